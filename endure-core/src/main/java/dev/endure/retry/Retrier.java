package dev.endure.retry;

import dev.endure.Cancellable;
import dev.endure.Clock;
import dev.endure.Failures;
import dev.endure.Scheduler;
import dev.endure.Verdict;
import dev.endure.VirtualTime;
import dev.endure.internal.ListenerList;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Runs calls under a {@link RetryPolicy}: synchronously ({@link #get}, {@link #call}, {@link #run},
 * {@link #execute}) or asynchronously ({@link #getAsync}, {@link #executeAsync}), by the same rules.
 * Thread-safe; share one per policy and downstream so its {@link #stats()} mean something.
 *
 * <p>Outcomes, by verdict: success returns the result. A permanent failure ({@code FAIL},
 * {@code DISABLE_TARGET}) reaches the caller unchanged on the attempt it happened: the exception is
 * rethrown as it is, a result is returned. When attempts or time run out on a retryable outcome the
 * caller gets one {@link RetriesExhaustedException}. When the {@link RetryGate} refuses a retry the
 * original outcome reaches the caller unchanged.
 *
 * <p>The success path of the synchronous methods allocates nothing (measured in {@code endure-bench}).
 *
 * @param <T> the result type
 */
public final class Retrier<T> {

    private static final System.Logger LOG = System.getLogger(Retrier.class.getName());
    private static final RetryListener[] NO_LISTENERS = new RetryListener[0];
    /** "The first attempt was not timed": see {@link #begin()}. */
    private static final long UNTIMED = Long.MIN_VALUE;

    private final RetryPolicy<T> policy;
    private final Clock clock;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final RetryGate gate;
    private final RetryStats stats;
    private final ListenerList<RetryListener> listeners;
    private final RetryContext firstAttempt;
    private final boolean deadlineNeedsStart;
    private final boolean refusalExhausts;
    /** The classifier has no result rules, so a returned result needs no classification. */
    private final boolean everyResultSucceeds;
    /** This retrier may retry, so its attempts mark the thread for nested retriers ({@link NestedRetries}). */
    private final boolean marksAttempts;
    /** Inside an outer retrier's attempt, make one attempt and leave retrying to the outer layer. */
    private final boolean yieldsToOuterRetry;
    private volatile boolean listenerFailureLogged;

    private Retrier(Builder<T> builder) {
        this.policy = builder.policy;
        this.clock = builder.clock;
        this.scheduler = builder.scheduler;
        this.random = builder.random;
        this.gate = builder.gate;
        this.refusalExhausts = builder.refusalExhausts;
        this.stats = new RetryStats(policy.maxAttempts());
        this.listeners = new ListenerList<>(RetryListener[]::new, builder.listeners);
        this.firstAttempt = new FirstAttempt(policy.name());
        this.deadlineNeedsStart = policy.maxDuration().isPresent();
        this.everyResultSucceeds = policy.classifier().acceptsEveryResult();
        this.marksAttempts = policy.maxAttempts() > 1 && !builder.ignoreNesting;
        this.yieldsToOuterRetry = !builder.retryWhenNested && !builder.ignoreNesting;
    }

    /** A retrier on the system clock and the shared timer thread. */
    public static <T> Retrier<T> of(RetryPolicy<T> policy) {
        return builder(policy).build();
    }

    public static <T> Builder<T> builder(RetryPolicy<T> policy) {
        return new Builder<>(policy);
    }

    public RetryPolicy<T> policy() {
        return policy;
    }

    public RetryStats stats() {
        return stats;
    }

    public Clock clock() {
        return clock;
    }

    /** Adds a listener; the returned handle removes it again. */
    public Cancellable addListener(RetryListener listener) {
        return listeners.add(listener);
    }

    // ---------------------------------------------------------------- synchronous
    //
    // get, call and execute all run through execute(RetryFunction, argument) with an adapter that captures
    // nothing: wrapping the caller's function in a capturing lambda would allocate on every call, and the
    // success path is promised to allocate nothing. Everything after a first failure is shared code.

    /** Runs {@code supplier}, retrying by the policy. */
    public T get(Supplier<? extends T> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return execute(RetryFunction.supplier(), supplier);
    }

    /** Runs {@code callable}, retrying by the policy; a permanent checked failure is rethrown as it is. */
    public T call(Callable<? extends T> callable) throws Exception {
        Objects.requireNonNull(callable, "callable");
        return execute(RetryFunction.callable(), callable);
    }

    /** Runs {@code runnable}, retrying by the policy; its result, for classification, is null. */
    public void run(Runnable runnable) {
        Objects.requireNonNull(runnable, "runnable");
        get(() -> {
            runnable.run();
            return null;
        });
    }

    /**
     * Runs an operation that may throw the checked exception {@code E} and sees its
     * {@link RetryContext} (attempt number, previous failure).
     */
    public <E extends Exception> T execute(RetryOperation<? extends T, E> operation) throws E {
        Objects.requireNonNull(operation, "operation");
        return execute(RetryFunction.<T, E>operation(), operation);
    }

    /**
     * Runs {@code function} with {@code argument}, retrying by the policy: for a caller that keeps one
     * function in a field and passes its per-call state, so that the call allocates nothing
     * ({@link RetryFunction}). Whatever the function throws reaches the caller unchanged.
     */
    public <A, E extends Exception> T execute(RetryFunction<? super A, ? extends T, E> function, A argument) throws E {
        Objects.requireNonNull(function, "function");
        // The thread's mark is looked up before the clock is read: its dependent loads then overlap the clock reading
        // instead of waiting behind it (8 ns a call on a policy with a max duration, on a 2.1 GHz Xeon).
        NestedRetries.Mark mark = marksAttempts ? NestedRetries.mark() : null;
        long start = begin();
        T result = null;
        Throwable failure = null;
        RetryContext outer = mark != null ? mark.enter(firstAttempt, yieldsToOuterRetry) : null;
        try {
            result = function.run(argument, firstAttempt);
        } catch (Throwable thrown) {
            failure = thrown;
        } finally {
            if (mark != null) {
                mark.exit(outer);
            }
        }
        if (failure == null && everyResultSucceeds) {
            return succeededFirstTime(result, start);
        }
        Verdict verdict = classify(result, failure);
        if (failure == null && verdict.kind() == Verdict.Kind.SUCCESS) {
            return succeededFirstTime(result, start);
        }
        return retryPassingCheckedThrough(context -> function.run(argument, context), start, result, failure, verdict);
    }

    /**
     * Starts a synchronous call. Reading a clock costs more than the rest of the success path, so the
     * start is read only when something needs it from the first attempt on: a max duration (the
     * deadline counts from the start) or a listener (events carry elapsed time). Otherwise it is read
     * when the first attempt has failed; see {@link RetryException#elapsed()}.
     */
    private long begin() {
        gate.onCall();
        return deadlineNeedsStart || hasListeners() ? clock.nanoTime() : UNTIMED;
    }

    private T succeededFirstTime(T result, long start) {
        stats.succeededFirstTime();
        if (start != UNTIMED && hasListeners()) {
            java.time.Duration took = java.time.Duration.ofNanos(clock.nanoTime() - start);
            emit(new RetryEvent.Succeeded(policy.name(), 1, took, took));
        }
        return result;
    }

    /** The shared synchronous loop, entered only after the first attempt did not succeed. */
    private T retryAfterFirstFailure(RetryOperation<? extends T, ?> operation, long start, T firstResult,
            Throwable firstFailure, Verdict firstVerdict) throws Exception {
        long executionStart = start == UNTIMED ? clock.nanoTime() : start;
        Execution<T> execution = new Execution<>(this, executionStart, isNested());
        stats.enteredRetryLoop();
        execution.firstAttemptStartedAt(executionStart);
        T result = firstResult;
        Throwable failure = firstFailure;
        Verdict verdict = firstVerdict;
        while (true) {
            long decidedAt = clock.nanoTime();
            long delay = execution.decide(result, failure, verdict, decidedAt);
            if (delay == Execution.STOP) {
                Throwable terminal = execution.terminalFailure();
                if (terminal != null) {
                    throw asException(terminal);
                }
                return execution.terminalResult();
            }
            try {
                // The delay counts from the decision: time the listeners took is part of it, never added to it.
                scheduler.sleep(Math.max(0, delay - (clock.nanoTime() - decidedAt)));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw execution.aborted(AbortReason.INTERRUPTED, delay, clock.nanoTime());
            }
            execution.startAttempt(execution.attempt() + 1);
            result = null;
            failure = null;
            RetryContext outer = marksAttempts ? NestedRetries.enter(execution) : null;
            try {
                result = operation.run(execution);
            } catch (Throwable thrown) {
                failure = thrown;
            } finally {
                if (marksAttempts) {
                    NestedRetries.exit(outer);
                }
            }
            verdict = classify(result, failure);
            if (failure == null && verdict.kind() == Verdict.Kind.SUCCESS) {
                execution.succeeded(clock.nanoTime());
                return result;
            }
        }
    }

    // ---------------------------------------------------------------- asynchronous

    /**
     * Starts {@code supplier}'s stage and retries it by the policy. Delays are scheduled on the
     * {@link Scheduler}: no thread waits. Attempts after the first start on the scheduler's thread, so
     * the supplier should only start work, not block. Cancelling the returned future cancels the pending
     * retry (and, best effort, the attempt in flight).
     */
    public CompletableFuture<T> getAsync(Supplier<? extends CompletionStage<T>> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return executeAsync(context -> supplier.get());
    }

    /** As {@link #getAsync}, for an operation that sees its {@link RetryContext}. */
    public CompletableFuture<T> executeAsync(AsyncRetryOperation<T> operation) {
        Objects.requireNonNull(operation, "operation");
        gate.onCall();
        stats.asyncCallStarted();
        AsyncRun<T> run = new AsyncRun<>(this, operation, new Execution<>(this, clock.nanoTime(), isNested()));
        run.attempt(1);
        return run.promise();
    }

    // ---------------------------------------------------------------- shared

    Verdict classify(T result, Throwable failure) {
        try {
            Verdict verdict = policy.classifier().classify(result, failure);
            return verdict != null ? verdict : Verdict.fail("classifier of '" + policy.name() + "' returned null");
        } catch (RuntimeException classifierBug) {
            // A broken classifier must not turn into an endless retry: fail now, keeping both failures.
            if (failure != null) {
                classifierBug.addSuppressed(failure);
            }
            throw classifierBug;
        }
    }

    RetryStats statsForExecution() {
        return stats;
    }

    RetryGate gate() {
        return gate;
    }

    boolean refusalExhausts() {
        return refusalExhausts;
    }

    /** True when a call starting now runs inside an outer retrier's attempt and leaves retrying to it. */
    private boolean isNested() {
        return yieldsToOuterRetry && NestedRetries.peek() != null;
    }

    boolean marksAttempts() {
        return marksAttempts;
    }

    boolean yieldsToOuterRetry() {
        return yieldsToOuterRetry;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    /** The context every first attempt sees. */
    RetryContext firstAttemptContext() {
        return firstAttempt;
    }

    RandomGenerator random() {
        return random != null ? random : java.util.concurrent.ThreadLocalRandom.current();
    }

    boolean hasListeners() {
        return !listeners.isEmpty();
    }

    void emit(RetryEvent event) {
        for (RetryListener listener : listeners.get()) {
            try {
                listener.onEvent(event);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable broken) {
                stats.listenerFailed();
                if (!listenerFailureLogged) {
                    listenerFailureLogged = true;
                    LOG.log(System.Logger.Level.WARNING, "retry listener " + listener + " of policy '" + policy.name()
                            + "' threw on " + event.getClass().getSimpleName()
                            + "; the call goes on (further listener failures are only counted in stats)", broken);
                }
            }
        }
    }

    private static Exception asException(Throwable terminal) {
        if (terminal instanceof Exception exception) {
            return exception;
        }
        if (terminal instanceof Error error) {
            throw error;
        }
        return new RuntimeException(terminal);
    }

    /**
     * The loop for methods that declare no checked exception (or only the operation's own {@code E}):
     * whatever the operation threw reaches the caller unchanged.
     */
    private T retryPassingCheckedThrough(RetryOperation<? extends T, ?> operation, long start, T result,
            Throwable failure, Verdict verdict) {
        try {
            return retryAfterFirstFailure(operation, start, result, failure, verdict);
        } catch (Exception thrown) {
            throw Failures.rethrow(thrown);
        }
    }

    @Override
    public String toString() {
        return "Retrier[" + policy + "]";
    }

    /** The context of every first attempt: nothing happened before it. */
    private record FirstAttempt(String policyName) implements RetryContext {
        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public Optional<Throwable> previousFailure() {
            return Optional.empty();
        }

        @Override
        public Optional<Verdict> previousVerdict() {
            return Optional.empty();
        }
    }

    /** Builds a {@link Retrier}. */
    public static final class Builder<T> {
        private final RetryPolicy<T> policy;
        private Clock clock = Clock.system();
        private Scheduler scheduler = Scheduler.system();
        private RandomGenerator random;
        private RetryGate gate = RetryGate.unlimited();
        private boolean refusalExhausts;
        private RetryListener[] listeners = NO_LISTENERS;
        private boolean retryWhenNested;
        private boolean ignoreNesting;

        private Builder(RetryPolicy<T> policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        public Builder<T> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder<T> scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Clock and scheduler in one, for tests. */
        public Builder<T> time(VirtualTime time) {
            return clock(time).scheduler(time);
        }

        /**
         * The source of jitter. Default: {@link java.util.concurrent.ThreadLocalRandom}. A given generator
         * must be safe for the threads that share this retrier (e.g. {@link java.util.Random}).
         */
        public Builder<T> random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Asked before every retry, e.g. a retry budget shared by all calls to one downstream. */
        public Builder<T> gate(RetryGate gate) {
            this.gate = Objects.requireNonNull(gate, "gate");
            return this;
        }

        /**
         * A retry the gate refuses ends the call as running out of attempts does: a
         * {@link RetriesExhaustedException} with {@link GiveUpReason#RETRY_BUDGET}, the last outcome in it.
         * By default the caller gets the original outcome unchanged, as if no retry policy were there; this
         * gives every caller of a failing downstream one outcome shape, whichever limit stopped it.
         */
        public Builder<T> exhaustOnGateRefusal() {
            this.refusalExhausts = true;
            return this;
        }

        /**
         * Opt-out: retry by this policy even inside an outer retrier's attempt, multiplying the attempts.
         * By default a retrier started inside another's attempt makes one attempt ({@link NestedRetries}).
         */
        public Builder<T> retryWhenNested() {
            this.retryWhenNested = true;
            return this;
        }

        /**
         * Opt-out for a hot path that never nests retriers: this retrier neither marks its attempts for retriers
         * started inside them nor yields to an outer one, so a call skips the thread-local lookup that nesting
         * needs (about 2.5 ns; BENCHMARKS.md). Retriers inside its attempts then retry by their own policies.
         */
        public Builder<T> ignoreNesting() {
            this.ignoreNesting = true;
            return this;
        }

        public Builder<T> listener(RetryListener listener) {
            Objects.requireNonNull(listener, "listener");
            listeners = ListenerList.with(listeners, listener);
            return this;
        }

        public Retrier<T> build() {
            return new Retrier<>(this);
        }
    }
}
