package dev.endure;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link CompletableFuture} that runs an action when the caller cancels it: how a retry loop or a
 * breaker guard hands the cancellation on to the work in flight (a pending retry, an HTTP exchange).
 * The action runs once, on the cancelling thread, only if this call did cancel the future.
 *
 * @param <T> the result type
 */
public class CancellingFuture<T> extends CompletableFuture<T> {

    private final CancelAction onCancel;

    /** What to do on cancellation; told whether the caller allowed interrupting. */
    @FunctionalInterface
    public interface CancelAction {
        void cancelled(boolean mayInterruptIfRunning);
    }

    public CancellingFuture(CancelAction onCancel) {
        this.onCancel = Objects.requireNonNull(onCancel, "onCancel");
    }

    /** A future whose cancellation also cancels {@code upstream} (best effort). */
    public static <T> CancellingFuture<T> cancelling(CompletableFuture<?> upstream) {
        Objects.requireNonNull(upstream, "upstream");
        return new CancellingFuture<>(upstream::cancel);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            onCancel.cancelled(mayInterruptIfRunning);
        }
        return cancelled;
    }
}
