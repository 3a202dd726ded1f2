package dev.endure.retry;

import dev.endure.Cancellable;
import dev.endure.CancellingFuture;
import dev.endure.Failures;
import dev.endure.Verdict;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** One asynchronous call: its promise, its pending timer and the attempt in flight. */
final class AsyncRun<T> {
    private final Retrier<T> retrier;
    private final AsyncRetryOperation<T> operation;
    private final Execution<T> execution;
    private final CancellingFuture<T> promise = new CancellingFuture<>(this::cancelled);
    private volatile Cancellable pendingRetry;
    private volatile CompletionStage<T> inFlight;
    private volatile long pendingDelay;

    /** The future the caller holds; cancelling it stops this run. */
    CompletableFuture<T> promise() {
        return promise;
    }

    AsyncRun(Retrier<T> retrier, AsyncRetryOperation<T> operation, Execution<T> execution) {
        this.retrier = retrier;
        this.operation = operation;
        this.execution = execution;
    }

    void attempt(int number) {
        if (promise.isDone()) {
            return;
        }
        execution.startAttempt(number);
        CompletionStage<T> stage;
        RetryContext context = number == 1 ? retrier.firstAttemptContext() : execution;
        RetryContext outer = retrier.marksAttempts() ? NestedRetries.enter(context, retrier.yieldsToOuterRetry()) : null;
        try {
            stage = operation.start(context);
            if (stage == null) {
                throw new NullPointerException("async operation of '" + retrier.policy().name() + "' returned a null stage");
            }
        } catch (Throwable thrown) {
            onOutcome(null, thrown);
            return;
        } finally {
            if (retrier.marksAttempts()) {
                NestedRetries.exit(outer);
            }
        }
        inFlight = stage;
        stage.whenComplete((result, failure) -> onOutcome(result, Failures.unwrap(failure)));
    }

    private void onOutcome(T result, Throwable failure) {
        if (promise.isDone()) {
            return;
        }
        Verdict verdict = retrier.classify(result, failure);
        long now = retrier.clock().nanoTime();
        if (failure == null && verdict.kind() == Verdict.Kind.SUCCESS) {
            execution.succeeded(now);
            promise.complete(result);
            return;
        }
        long delay = execution.decide(result, failure, verdict, now);
        if (delay == Execution.STOP) {
            Throwable terminal = execution.terminalFailure();
            if (terminal != null) {
                promise.completeExceptionally(terminal);
            } else {
                promise.complete(execution.terminalResult());
            }
            return;
        }
        int next = execution.attempt() + 1;
        pendingDelay = delay;
        // The delay counts from the decision: time the listeners took is part of it, never added to it.
        long wait = Math.max(0, delay - (retrier.clock().nanoTime() - now));
        pendingRetry = retrier.scheduler().schedule(() -> attempt(next), wait);
        if (promise.isDone()) {
            // cancelled while we were scheduling
            pendingRetry.cancel();
        }
    }

    void cancelled(boolean mayInterruptIfRunning) {
        Cancellable pending = pendingRetry;
        if (pending != null) {
            pending.cancel();
        }
        CompletionStage<T> current = inFlight;
        if (current != null) {
            try {
                current.toCompletableFuture().cancel(mayInterruptIfRunning);
            } catch (UnsupportedOperationException notCancellable) {
                // a stage that cannot be converted cannot be cancelled either; its outcome is ignored
            }
        }
        execution.aborted(AbortReason.CANCELLED, pendingDelay, retrier.clock().nanoTime());
    }

}
