package dev.endure.retry;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * Retry at one layer only. Nested retries multiply: three layers of four attempts send 4³ = 64 requests
 * for one failing call. So while a {@link Retrier} that may retry runs an attempt, it marks the thread,
 * and a retrier started inside that attempt (an HTTP client inside a service call inside a job, say)
 * makes a single attempt: when that fails with a retryable outcome, the outcome reaches the outer layer
 * unchanged (given up with {@link GiveUpReason#OUTER_RETRY}) and the outer layer decides, under its own
 * budget. Three nested layers then cost what the outermost one costs.
 *
 * <p>Across processes the mark travels as the {@value #HEADER} header: endure-http sends it with the
 * attempt number on every attempt of a call it may retry and makes a single attempt for a request that
 * already carries it. A server that receives the header runs its handler inside {@link #callerRetries},
 * so that its own retriers leave the retrying to the caller:
 *
 * <pre>{@code
 * OptionalInt attempt = NestedRetries.parseHeader(exchange.getRequestHeaders().getFirst(NestedRetries.HEADER));
 * String body = attempt.isPresent() ? NestedRetries.callerRetries(attempt.getAsInt(), () -> handle(exchange)) : handle(exchange);
 * }</pre>
 *
 * <p>The mark is a thread-local set only around attempts, so it never leaks into pooled threads; work an
 * attempt hands to another thread is not marked unless that thread starts its retrier from within the
 * attempt (async retriers read the mark when the call starts). {@code Retrier.Builder#retryWhenNested()}
 * opts a retrier out.
 */
public final class NestedRetries {

    /** The HTTP header carrying the caller's attempt number: "a layer above retries this call". */
    public static final String HEADER = "Endure-Retry-Attempt";

    /**
     * One mutable mark per thread, so a retrier's first attempt costs one thread-local lookup (not a get and
     * two sets): the success path of {@link Retrier#get} is measured in nanoseconds.
     */
    static final class Mark {
        private RetryContext current;

        /** Marks {@code attempt} as the enclosing one (unless an outer mark stays, see {@link #enter(RetryContext, boolean)}). */
        RetryContext enter(RetryContext attempt, boolean keepOuter) {
            RetryContext outer = current;
            if (outer == null || !keepOuter) {
                current = attempt;
            }
            return outer;
        }

        void exit(RetryContext outer) {
            current = outer;
        }
    }

    private static final ThreadLocal<Mark> MARK = ThreadLocal.withInitial(Mark::new);

    private NestedRetries() {}

    /** The attempt of the retrier (in this thread or, through {@link #callerRetries}, a caller) enclosing this code. */
    public static Optional<RetryContext> current() {
        return Optional.ofNullable(MARK.get().current);
    }

    /** True inside an attempt of a retrier that may retry: a retrier started here makes one attempt. */
    public static boolean insideRetry() {
        return MARK.get().current != null;
    }

    /**
     * Runs {@code body} as attempt {@code attempt} of a retry made by the caller (a remote one, whose
     * {@value #HEADER} header said so): retriers inside make a single attempt.
     */
    public static <T> T callerRetries(int attempt, Callable<T> body) throws Exception {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1 (was " + attempt + ")");
        }
        RetryContext outer = enter(new CallerAttempt(attempt));
        try {
            return body.call();
        } finally {
            exit(outer);
        }
    }

    /**
     * The attempt number in a {@value #HEADER} header value; empty when absent or not a positive number
     * (a malformed header only loses the mark, it never fails the request).
     */
    public static OptionalInt parseHeader(String value) {
        if (value == null || value.isBlank() || value.strip().length() > 9) {
            return OptionalInt.empty();
        }
        try {
            int attempt = Integer.parseInt(value.strip());
            return attempt >= 1 ? OptionalInt.of(attempt) : OptionalInt.empty();
        } catch (NumberFormatException notANumber) {
            return OptionalInt.empty();
        }
    }

    /** Marks this thread as inside {@code attempt}; returns the mark to restore with {@link #exit}. */
    static RetryContext enter(RetryContext attempt) {
        return MARK.get().enter(attempt, false);
    }

    /**
     * As {@link #enter}, but an outer mark stays when {@code keepOuter}: a retrier that leaves retrying to
     * the outer layer must not pose as the layer that retries.
     */
    static RetryContext enter(RetryContext attempt, boolean keepOuter) {
        return MARK.get().enter(attempt, keepOuter);
    }

    static void exit(RetryContext outer) {
        MARK.get().exit(outer);
    }

    /** This thread's mark, for a caller that enters and exits it on its hot path. */
    static Mark mark() {
        return MARK.get();
    }

    static RetryContext peek() {
        return MARK.get().current;
    }

    /** A remote caller's attempt, known only by its number. */
    private record CallerAttempt(int attempt) implements RetryContext {
        @Override
        public String policyName() {
            return "caller (" + HEADER + ")";
        }

        @Override
        public Optional<Throwable> previousFailure() {
            return Optional.empty();
        }

        @Override
        public Optional<dev.endure.Verdict> previousVerdict() {
            return Optional.empty();
        }
    }
}
