package dev.endure;

import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Small facts about failures that every module needs the same way: what an asynchronous wrapper hides,
 * and when a failure means the caller gave up rather than the downstream failing.
 */
public final class Failures {

    private Failures() {}

    /**
     * The failure a {@link CompletionException} or {@link ExecutionException} wraps (through any number
     * of layers); anything else as it is. Null stays null.
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /**
     * True if {@code failure} says the <em>caller</em> stopped waiting: the thread was interrupted
     * ({@link InterruptedException}, an interrupted channel or stream) or the future was cancelled. Such
     * an outcome says nothing about the downstream, so a circuit breaker releases the permit instead of
     * counting it, and a retry stops. A timeout (the downstream was slow) is not one of these:
     * {@link SocketTimeoutException} is an {@link InterruptedIOException} but counts as a failure.
     */
    public static boolean isCallerAbandonment(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof InterruptedException
                || cause instanceof CancellationException
                || cause instanceof ClosedByInterruptException
                || (cause instanceof InterruptedIOException && !(cause instanceof SocketTimeoutException));
    }

    /**
     * Throws {@code failure} as it is, checked or not, without declaring it: for code that runs a
     * caller's function and must hand its exception back unchanged. Declared to return an exception so
     * that call sites can write {@code throw Failures.rethrow(e)}.
     */
    public static RuntimeException rethrow(Throwable failure) {
        throw Failures.<RuntimeException>sneaky(failure);
    }

    @SuppressWarnings("unchecked")
    private static <X extends Throwable> X sneaky(Throwable failure) throws X {
        throw (X) failure;
    }
}
