package dev.endure.breaker;

import dev.endure.CancellingFuture;
import dev.endure.Classifier;
import dev.endure.Failures;
import dev.endure.Verdict;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Permit → call → record or release: the one way a call runs under a {@link CircuitBreaker}. The
 * breaker's own {@code get}/{@code call}/{@code getAsync}, the {@link dev.endure.pipeline.Pipeline},
 * endure-http's client and the webhook worker all go through it, so they count alike.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>No permit (OPEN, or HALF_OPEN with every trial slot taken): {@link CallNotPermittedException},
 *       thrown (sync) or as the failed future (async); the call does not run.
 *   <li>The caller gave up ({@link Failures#isCallerAbandonment}: interrupted, or the future cancelled):
 *       the permit is <em>released</em>, nothing is counted, a half-open trial slot is freed. Giving up
 *       says nothing about the downstream.
 *   <li>Anything else, timeouts included, is classified by {@code outcomes} and recorded with the call's
 *       duration (for the slow-call rule). A classifier that throws or returns null records a failure:
 *       a broken classifier must not hide a failing downstream.
 * </ol>
 *
 * <pre>{@code
 * Invoice invoice = BreakerGuard.call(breaker, outcomes, () -> billing.fetch(id));
 * }</pre>
 */
public final class BreakerGuard {

    private BreakerGuard() {}

    /** A call that may throw the checked exception {@code E}. */
    @FunctionalInterface
    public interface GuardedCall<T, E extends Exception> {
        T call() throws E;
    }

    /** Runs {@code call} under {@code breaker}; its result or exception reaches the caller unchanged. */
    public static <T, E extends Exception> T call(CircuitBreaker breaker, Classifier<? super T> outcomes,
            GuardedCall<? extends T, E> call) throws E {
        CircuitBreaker.Permit permit = breaker.acquirePermission();
        long start = startTime(breaker);
        T result;
        try {
            result = call.call();
        } catch (Throwable failure) {
            end(breaker, permit, start, outcomes, null, failure);
            throw failure;
        }
        end(breaker, permit, start, outcomes, result, null);
        return result;
    }

    /**
     * For a caller that runs the call itself between {@link CircuitBreaker#acquirePermission()} and
     * {@link #end(CircuitBreaker, CircuitBreaker.Permit, long, Classifier, Object, Throwable)}, as the
     * pipeline does to allocate nothing per call: the start to pass to {@code end} (read from the breaker's
     * clock only when its slow-call rule needs it).
     */
    public static long startTime(CircuitBreaker breaker) {
        return breaker.startTime();
    }

    /** Ends a permit begun at {@code start} ({@link #startTime}) by the rules above. */
    public static <T> void end(CircuitBreaker breaker, CircuitBreaker.Permit permit, long start, Classifier<? super T> outcomes,
            T result, Throwable failure) {
        end(permit, outcomes, result, failure, breaker.elapsedSince(start));
    }

    /**
     * Starts {@code start}'s stage under {@code breaker} and ends the permit when it completes. The
     * returned future completes with the stage's outcome (unwrapped); cancelling it cancels the stage
     * (best effort) and releases the permit.
     */
    public static <T> CompletableFuture<T> callAsync(CircuitBreaker breaker, Classifier<? super T> outcomes,
            Supplier<? extends CompletionStage<T>> start) {
        CircuitBreaker.Permit permit;
        try {
            permit = breaker.acquirePermission();
        } catch (CallNotPermittedException rejected) {
            return CompletableFuture.failedFuture(rejected);
        }
        long began = breaker.startTime();
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(start.get(), "the call returned a null stage");
        } catch (Throwable failure) {
            end(permit, outcomes, null, failure, breaker.elapsedSince(began));
            return CompletableFuture.failedFuture(failure);
        }
        CancellingFuture<T> promise = new CancellingFuture<>(mayInterrupt -> cancelQuietly(stage, mayInterrupt));
        // Whoever completes the promise first (the stage, or a cancelling caller) decides the outcome the
        // breaker hears, exactly once.
        promise.whenComplete((result, failure) -> end(permit, outcomes, result, Failures.unwrap(failure), breaker.elapsedSince(began)));
        stage.whenComplete((result, failure) -> {
            Throwable cause = Failures.unwrap(failure);
            if (cause != null) {
                promise.completeExceptionally(cause);
            } else {
                promise.complete(result);
            }
        });
        return promise;
    }

    /**
     * Ends a permit by the rules above: released if the caller gave up, else recorded with the
     * verdict {@code outcomes} gives.
     */
    public static <T> void end(CircuitBreaker.Permit permit, Classifier<? super T> outcomes, T result, Throwable failure,
            long durationNanos) {
        if (failure != null && Failures.isCallerAbandonment(failure)) {
            permit.release();
            return;
        }
        permit.record(classify(outcomes, result, failure), durationNanos);
    }

    /** A verdict even from a broken classifier: a null or a thrown exception counts as a failure. */
    public static <T> Verdict classify(Classifier<? super T> outcomes, T result, Throwable failure) {
        try {
            Verdict verdict = outcomes.classify(result, failure);
            return verdict != null ? verdict : Verdict.fail("classifier returned null");
        } catch (RuntimeException classifierBug) {
            return Verdict.fail("classifier threw " + classifierBug);
        }
    }

    private static void cancelQuietly(CompletionStage<?> stage, boolean mayInterrupt) {
        try {
            stage.toCompletableFuture().cancel(mayInterrupt);
        } catch (UnsupportedOperationException notCancellable) {
            // a stage that cannot be converted cannot be cancelled; its late outcome is ignored
        }
    }
}
