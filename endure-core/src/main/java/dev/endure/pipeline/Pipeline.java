package dev.endure.pipeline;

import dev.endure.Cancellable;
import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.Scheduler;
import dev.endure.Verdict;
import dev.endure.VirtualTime;
import dev.endure.CancellingFuture;
import dev.endure.Failures;
import dev.endure.breaker.BreakerGuard;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.budget.RetryBudget;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.retry.AsyncRetryOperation;
import dev.endure.retry.RetryContext;
import dev.endure.retry.RetryFunction;
import dev.endure.retry.RetryGate;
import dev.endure.retry.RetryListener;
import dev.endure.retry.RetryOperation;
import dev.endure.retry.RetryPolicy;
import dev.endure.retry.Retrier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Retry, circuit breaker, retry budget and per-attempt timeout composed in one fixed order (DESIGN.md
 * idea 4), for synchronous and asynchronous calls:
 *
 * <pre>
 *   retry (asks the budget before each retry)  →  concurrency limit  →  circuit breaker  →  timeout  →  the call
 * </pre>
 *
 * <ul>
 *   <li>The <b>retry</b> is the outermost: one {@link Retrier} loop per call. Before every retry it asks
 *       the {@link RetryBudget}; a refusal ends the call with the original outcome (budget-rejected).
 *   <li>The <b>concurrency limit</b> (optional) admits each attempt, not the whole call: a retry waiting out
 *       its backoff holds no slot, and the limit measures the downstream's latency, not the backoff's. It sits
 *       outside the breaker so that a rejection for local overload never counts as a downstream failure, and
 *       the breaker's half-open trials are limited like any call. A rejection
 *       ({@link ConcurrencyLimitExceededException}, after the limit's max wait) is retried like any transient
 *       failure, no earlier than the adaptive limit's recent latency (its hint). The attempt's outcome, as the
 *       policy's classifier judges it, feeds an adaptive limit: a success is a latency sample, a retryable
 *       failure (a 429/503, a serialization failure, a timeout) an overload signal. A breaker's own rejection
 *       is neither. Asynchronous attempts never wait for a slot: they are rejected at once when it is full.
 *   <li>The <b>breaker</b> sees each attempt, not the whole call: retries of a failing downstream are
 *       what open it. While it is OPEN, an attempt is rejected without running; the rejection carries the
 *       time until HALF_OPEN as a retry-after hint, so the retry waits exactly that long if it fits in the
 *       policy's max duration, and fails now (HINT_EXCEEDS_DEADLINE) if it does not. A breaker forced open
 *       fails the call at once: waiting would not help.
 *   <li>The <b>timeout</b> bounds each attempt: sync attempts are interrupted, async ones completed with
 *       {@link AttemptTimeoutException}. A timeout counts as a breaker failure and is retried.
 * </ul>
 *
 * <pre>{@code
 * Pipeline<Invoice> billing = Pipeline.builder(retryPolicy)
 *     .circuitBreaker(breaker).retryBudget(budget).attemptTimeout(Duration.ofSeconds(2))
 *     .build();
 * Invoice invoice = billing.get(() -> client.fetch(id));
 * }</pre>
 *
 * <p>Outcomes are those of {@link Retrier}. Which outcomes the breaker counts as failures comes from the
 * breaker policy's classifier if it has one, else from the retry policy's: one classification for both.
 *
 * @param <T> the result type
 */
public final class Pipeline<T> {

    private final RetryPolicy<T> policy;
    private final Retrier<T> retrier;
    private final CircuitBreaker breaker;
    private final Classifier<? super T> breakerClassifier;
    private final RetryBudget budget;
    private final ConcurrencyLimit limit;
    private final Duration attemptTimeout;
    private final long timeoutNanos;
    private final Clock clock;
    private final Scheduler scheduler;
    private final RetryFunction<Supplier<? extends T>, T, RuntimeException> supplierAttempt =
            (supplier, context) -> limited(RetryFunction.supplier(), supplier, context);
    private final RetryFunction<Callable<? extends T>, T, Exception> callableAttempt =
            (callable, context) -> limited(RetryFunction.callable(), callable, context);
    private final RetryFunction<RetryOperation<? extends T, Exception>, T, Exception> operationAttempt =
            (operation, context) -> limited(RetryFunction.operation(), operation, context);

    private Pipeline(Builder<T> builder) {
        this.policy = builder.policy;
        this.breaker = builder.breaker;
        this.budget = builder.budget;
        this.limit = builder.limit;
        this.attemptTimeout = builder.attemptTimeout;
        this.timeoutNanos = attemptTimeout == null ? 0 : attemptTimeout.toNanos();
        this.clock = builder.clock;
        this.scheduler = builder.scheduler;
        this.breakerClassifier = breaker == null ? null
                : breaker.policy().classifier().<Classifier<? super T>>map(c -> c).orElse(policy.classifier());
        Classifier<T> userClassifier = policy.classifier();
        Classifier<T> pipelineClassifier = (result, failure) -> classifyOwnSignals(userClassifier, result, failure);
        Retrier.Builder<T> retrierBuilder = Retrier.builder(policy.toBuilder().classifier(pipelineClassifier).build())
                .clock(clock)
                .scheduler(scheduler)
                .gate(budget != null ? budget : RetryGate.unlimited());
        builder.listeners.forEach(retrierBuilder::listener);
        this.retrier = retrierBuilder.build();
    }

    public static <T> Builder<T> builder(RetryPolicy<T> policy) {
        return new Builder<>(policy);
    }

    /**
     * The pipeline's own signals are classified here, whatever the policy's rules say: a rejection by its
     * breaker waits for the breaker (or fails now when forced open), an attempt timeout is retried.
     * Everything else is the policy's decision.
     */
    private Verdict classifyOwnSignals(Classifier<T> userClassifier, T result, Throwable failure) {
        if (failure instanceof CallNotPermittedException rejected && breaker != null
                && rejected.breakerName().equals(breaker.name())) {
            return rejected.verdict();
        }
        if (failure instanceof ConcurrencyLimitExceededException full && limit != null && full.limitName().equals(limit.name())) {
            Optional<Duration> hint = full.retryAfter();
            return hint.isPresent() ? Verdict.retryAfter(hint.get(), full.getMessage()) : Verdict.retry(full.getMessage());
        }
        if (failure instanceof AttemptTimeoutException timedOut) {
            return Verdict.retry("attempt timed out after " + Durations.describe(timedOut.timeout()));
        }
        return userClassifier.classify(result, failure);
    }

    // ---------------------------------------------------------------- synchronous

    // The synchronous calls go through one prebuilt function per kind of call (see RetryFunction): a lambda
    // capturing the caller's function on every call would allocate once the attempt is a few layers deep.

    /** Runs {@code supplier} through retry → breaker → timeout. */
    public T get(Supplier<? extends T> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return retrier.execute(supplierAttempt, supplier);
    }

    /** As {@link #get}, for a call with checked exceptions; a permanent one is rethrown as it is. */
    public T call(Callable<? extends T> callable) throws Exception {
        Objects.requireNonNull(callable, "callable");
        return retrier.execute(callableAttempt, callable);
    }

    public void run(Runnable runnable) {
        Objects.requireNonNull(runnable, "runnable");
        get(() -> {
            runnable.run();
            return null;
        });
    }

    /** As {@link #get}, for an operation that sees its {@link RetryContext} and may throw {@code E}. */
    @SuppressWarnings("unchecked")
    public <E extends Exception> T execute(RetryOperation<? extends T, E> operation) throws E {
        Objects.requireNonNull(operation, "operation");
        return retrier.execute((RetryFunction<RetryOperation<? extends T, E>, T, E>) (RetryFunction<?, ?, ?>) operationAttempt, operation);
    }

    /** One attempt within the concurrency limit, if there is one; its outcome feeds an adaptive limit. */
    private <A, E extends Exception> T limited(RetryFunction<? super A, ? extends T, E> function, A argument, RetryContext context)
            throws E {
        if (limit == null) {
            return guarded(function, argument, context);
        }
        long permit = limit.acquire();
        T result;
        try {
            result = guarded(function, argument, context);
        } catch (Throwable failure) {
            limit.release(permit, limitVerdict(null, failure));
            throw Failures.rethrow(failure);
        }
        limit.release(permit, limitVerdict(result, null));
        return result;
    }

    /**
     * One attempt: through the breaker, then the call under the timeout. The permit is begun and ended here
     * rather than through {@link BreakerGuard#call} (whose lambda would capture this attempt's state), by
     * the same {@link BreakerGuard#end} rule.
     */
    private <A, E extends Exception> T guarded(RetryFunction<? super A, ? extends T, E> function, A argument, RetryContext context)
            throws E {
        if (breaker == null) {
            return timed(function, argument, context);
        }
        CircuitBreaker.Permit permit = breaker.acquirePermission();
        long start = BreakerGuard.startTime(breaker);
        T result;
        try {
            result = timed(function, argument, context);
        } catch (Throwable failure) {
            BreakerGuard.end(breaker, permit, start, breakerClassifier, null, failure);
            throw failure;
        }
        BreakerGuard.end(breaker, permit, start, breakerClassifier, result, null);
        return result;
    }

    /** The call, interrupted and reported as an {@link AttemptTimeoutException} if it outlives the timeout. */
    private <A, E extends Exception> T timed(RetryFunction<? super A, ? extends T, E> function, A argument, RetryContext context)
            throws E {
        if (timeoutNanos <= 0) {
            return function.run(argument, context);
        }
        AttemptTimer timer = new AttemptTimer(Thread.currentThread());
        Cancellable timerTask = scheduler.schedule(timer, timeoutNanos);
        T result;
        try {
            result = function.run(argument, context);
        } catch (Throwable thrown) {
            timerTask.cancel();
            throw timer.finish() ? timedOut(context, thrown) : Failures.rethrow(thrown);
        }
        timerTask.cancel();
        if (timer.finish()) {
            throw timedOut(context, null);
        }
        return result;
    }

    // ---------------------------------------------------------------- asynchronous

    /**
     * Starts {@code supplier}'s stage through retry → breaker → timeout. Delays and timeouts run on the
     * scheduler; no thread waits.
     */
    public CompletableFuture<T> getAsync(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return executeAsync(context -> supplier.get());
    }

    /** As {@link #getAsync}, for an operation that sees its {@link RetryContext}. */
    public CompletableFuture<T> executeAsync(AsyncRetryOperation<T> operation) {
        Objects.requireNonNull(operation, "operation");
        return retrier.executeAsync(context -> limitedAsync(operation, context));
    }

    private CompletionStage<T> limitedAsync(AsyncRetryOperation<T> operation, RetryContext context) {
        if (limit == null) {
            return guardedAsync(operation, context);
        }
        long permit;
        try {
            permit = limit.acquireNow();
        } catch (ConcurrencyLimitExceededException full) {
            return CompletableFuture.failedFuture(full);
        }
        CompletionStage<T> attempt;
        try {
            attempt = guardedAsync(operation, context);
        } catch (Throwable thrown) {
            limit.release(permit, limitVerdict(null, thrown));
            throw thrown;
        }
        // The attempt itself goes back (not a dependent stage), so cancelling it still reaches the call.
        attempt.whenComplete((result, failure) -> limit.release(permit, limitVerdict(result, Failures.unwrap(failure))));
        return attempt;
    }

    private CompletionStage<T> guardedAsync(AsyncRetryOperation<T> operation, RetryContext context) {
        if (breaker == null) {
            return timedAsync(operation, context);
        }
        return BreakerGuard.callAsync(breaker, breakerClassifier, () -> timedAsync(operation, context));
    }

    /**
     * The attempt's stage, completed with an {@link AttemptTimeoutException} (and the stage cancelled) if
     * it outlives the timeout. Whoever completes it first (the call, the timeout or a cancelling caller)
     * decides the outcome the breaker hears.
     */
    private CompletionStage<T> timedAsync(AsyncRetryOperation<T> operation, RetryContext context) {
        CompletionStage<T> stage = Objects.requireNonNull(operation.start(context), "the async operation returned a null stage");
        if (timeoutNanos <= 0) {
            return stage;
        }
        CancellingFuture<T> attempt = new CancellingFuture<>(mayInterrupt -> cancelQuietly(stage));
        Cancellable timerTask = scheduler.schedule(() -> {
            if (attempt.completeExceptionally(timedOut(context, null))) {
                cancelQuietly(stage);
            }
        }, timeoutNanos);
        attempt.whenComplete((result, failure) -> timerTask.cancel());
        stage.whenComplete((result, failure) -> {
            Throwable cause = Failures.unwrap(failure);
            if (cause != null) {
                attempt.completeExceptionally(cause);
            } else {
                attempt.complete(result);
            }
        });
        return attempt;
    }

    // ---------------------------------------------------------------- shared

    private AttemptTimeoutException timedOut(RetryContext context, Throwable thrownOnTheWayOut) {
        return new AttemptTimeoutException("attempt " + context.attempt() + " of '" + policy.name() + "' timed out after "
                + Durations.describe(attemptTimeout), thrownOnTheWayOut, policy.name(), context.attempt(), attemptTimeout);
    }

    /**
     * What an attempt tells an adaptive limit, by the policy's classifier: a breaker's own rejection says nothing
     * about load (the call never ran), a timeout is overload. A fixed limit ignores verdicts, so none is computed.
     */
    private Verdict limitVerdict(T result, Throwable failure) {
        if (!limit.isAdaptive()) {
            return Verdict.success();
        }
        if (failure == null && policy.classifier().acceptsEveryResult()) {
            return Verdict.success();
        }
        if (failure instanceof CallNotPermittedException) {
            return Verdict.fail();
        }
        if (failure instanceof AttemptTimeoutException) {
            return Verdict.retry();
        }
        try {
            Verdict verdict = policy.classifier().classify(result, failure);
            return verdict != null ? verdict : Verdict.fail();
        } catch (RuntimeException classifierBug) {
            return Verdict.fail();
        }
    }

    private static void cancelQuietly(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().cancel(true);
        } catch (UnsupportedOperationException notCancellable) {
            // a stage that cannot be converted cannot be cancelled; its late outcome is ignored
        }
    }

    public RetryPolicy<T> policy() {
        return policy;
    }

    /** The retry loop underneath (its stats count calls, retries, budget rejections). */
    public Retrier<T> retrier() {
        return retrier;
    }

    public Optional<CircuitBreaker> circuitBreaker() {
        return Optional.ofNullable(breaker);
    }

    public Optional<RetryBudget> retryBudget() {
        return Optional.ofNullable(budget);
    }

    public Optional<ConcurrencyLimit> concurrencyLimit() {
        return Optional.ofNullable(limit);
    }

    public Optional<Duration> attemptTimeout() {
        return Optional.ofNullable(attemptTimeout);
    }

    @Override
    public String toString() {
        return "Pipeline[" + policy.name() + ": retry" + (budget != null ? " (budget '" + budget.name() + "')" : "")
                + (limit != null ? " → limit '" + limit.name() + "'" : "")
                + (breaker != null ? " → breaker '" + breaker.name() + "'" : "")
                + (attemptTimeout != null ? " → timeout " + Durations.describe(attemptTimeout) : "") + " → call]";
    }

    /** Builds a {@link Pipeline}; every part but the retry policy is optional. */
    public static final class Builder<T> {
        private final RetryPolicy<T> policy;
        private CircuitBreaker breaker;
        private RetryBudget budget;
        private ConcurrencyLimit limit;
        private Duration attemptTimeout;
        private Clock clock = Clock.system();
        private Scheduler scheduler = Scheduler.system();
        private final List<RetryListener> listeners = new ArrayList<>();

        private Builder(RetryPolicy<T> policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        public Builder<T> circuitBreaker(CircuitBreaker breaker) {
            this.breaker = breaker;
            return this;
        }

        public Builder<T> retryBudget(RetryBudget budget) {
            this.budget = budget;
            return this;
        }

        /** Admits each attempt through {@code limit} (between the retry and the breaker); null for none. */
        public Builder<T> concurrencyLimit(ConcurrencyLimit limit) {
            this.limit = limit;
            return this;
        }

        /** Bounds each attempt (not the whole call: that is the policy's max duration); null for none. */
        public Builder<T> attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        public Builder<T> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where retries wait and timeouts fire. */
        public Builder<T> scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Clock and scheduler in one, for tests. */
        public Builder<T> time(VirtualTime time) {
            return clock(time).scheduler(time);
        }

        public Builder<T> listener(RetryListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException if the attempt timeout is not positive
         */
        public Pipeline<T> build() {
            if (attemptTimeout != null && (attemptTimeout.isNegative() || attemptTimeout.isZero())) {
                throw new IllegalArgumentException("attemptTimeout must be positive (was " + attemptTimeout
                        + ") in pipeline '" + policy.name() + "'");
            }
            return new Pipeline<>(this);
        }
    }
}
