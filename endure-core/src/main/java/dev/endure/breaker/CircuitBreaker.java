package dev.endure.breaker;

import dev.endure.Cancellable;
import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Verdict;
import dev.endure.internal.ListenerList;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Stops calling a downstream that keeps failing, and tests with a few trial calls when it may be back.
 * Thread-safe; share one per downstream.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerPolicy.builder().name("billing").build());
 * Invoice invoice = breaker.get(() -> billing.fetch(id));   // CallNotPermittedException while OPEN
 * }</pre>
 *
 * <p>The state machine, all of it behind one lock in {@code BreakerStateMachine} (this class runs calls and
 * builds; its store synchronisation is {@code BreakerStoreSync}):
 * <ul>
 *   <li>CLOSED → OPEN: {@code consecutiveFailures} failures in a row, or a failure rate at or above the
 *       threshold over the sliding window once it holds {@code minimumCalls} calls.
 *   <li>OPEN → HALF_OPEN: the first call after the open duration ends (no timer thread).
 *   <li>HALF_OPEN → CLOSED: {@code halfOpenSuccesses} trials succeeded. Counts and the growth step reset.
 *   <li>HALF_OPEN → OPEN: any trial failed; the step grows, so the breaker stays open
 *       {@code multiplier} times longer (seed 002's adaptive timeout), up to the cap.
 *   <li>Any → forced OPEN / forced CLOSED ({@link #forceOpen}, {@link #forceClose}) until {@link #reset}.
 * </ul>
 * At most {@code halfOpenMaxTrials} trial calls run at any time, across half-open periods: a slot frees
 * only when its trial ends.
 *
 * <p>Why a lock and not a CAS on an immutable state: a transition updates several fields at once (state,
 * generation, window, deadline, trial counts) and must persist in order; a {@code ReentrantLock} (never
 * {@code synchronized}, which pins virtual threads) keeps that readable. The CLOSED fast path takes no
 * lock to get a permit, and none to record a success when only consecutive failures are counted.
 */
public final class CircuitBreaker implements AutoCloseable {

    private static final BreakerListener[] NO_LISTENERS = new BreakerListener[0];
    private static final Classifier<Object> EVERY_EXCEPTION_FAILS = Classifier.retryAllExceptions();

    private final CircuitBreakerPolicy policy;
    private final String name;
    private final Clock clock;
    private final Classifier<Object> classifier;
    private final long slowCallNanos;
    private final BreakerStoreSync store;
    private final BreakerStateMachine machine;

    private CircuitBreaker(Builder builder) {
        this.policy = builder.policy;
        this.name = policy.name();
        this.clock = builder.clock;
        this.store = builder.store == null ? null : new BreakerStoreSync(builder.store, policy.name());
        this.classifier = policy.classifier().orElse(EVERY_EXCEPTION_FAILS);
        this.slowCallNanos = policy.slowCallThreshold().map(Duration::toNanos).orElse(0L);
        this.machine = new BreakerStateMachine(this, store, new ListenerList<>(BreakerListener[]::new, builder.listeners));
    }

    /** After construction, so no other thread sees a half-built breaker: restore, then follow the store. */
    private CircuitBreaker attachStore() {
        if (store != null) {
            store.attach(stored -> machine.adopt(stored, "restored from the store"),
                    stored -> machine.adopt(stored, "changed by another instance"));
        }
        return this;
    }

    /** A breaker on the system clock, without a store. */
    public static CircuitBreaker of(CircuitBreakerPolicy policy) {
        return builder(policy).build();
    }

    public static Builder builder(CircuitBreakerPolicy policy) {
        return new Builder(policy);
    }

    public CircuitBreakerPolicy policy() {
        return policy;
    }

    public String name() {
        return name;
    }

    public Clock clock() {
        return clock;
    }

    // ---------------------------------------------------------------- running calls

    /** Runs {@code supplier} if the breaker permits, counting its outcome by the policy's classifier. */
    public <T> T get(Supplier<? extends T> supplier) {
        return get(supplier, classifier);
    }

    /**
     * Runs {@code supplier} if the breaker permits; {@code outcomes} decides which outcomes are failures.
     * Permits are ended by {@link BreakerGuard}'s rules (a caller that gave up is not counted).
     *
     * @throws CallNotPermittedException if the breaker is OPEN, or HALF_OPEN with every trial slot taken
     */
    public <T> T get(Supplier<? extends T> supplier, Classifier<? super T> outcomes) {
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(outcomes, "outcomes");
        return BreakerGuard.<T, RuntimeException>call(this, outcomes, supplier::get);
    }

    /**
     * As {@link #get(Supplier)}, for a call that throws checked exceptions; they pass through unchanged.
     * An {@link InterruptedException} is the caller giving up: the permit is released, not counted.
     */
    public <T> T call(Callable<? extends T> callable) throws Exception {
        Objects.requireNonNull(callable, "callable");
        return BreakerGuard.<T, Exception>call(this, classifier, callable::call);
    }

    /** Runs {@code runnable} if the breaker permits. */
    public void run(Runnable runnable) {
        Objects.requireNonNull(runnable, "runnable");
        get(() -> {
            runnable.run();
            return null;
        });
    }

    /**
     * Starts {@code supplier}'s stage if the breaker permits and counts its outcome when it completes. A
     * rejection completes the returned future with {@link CallNotPermittedException} at once; cancelling
     * the returned future cancels the stage and releases the permit without counting.
     */
    public <T> CompletableFuture<T> getAsync(Supplier<? extends CompletionStage<T>> supplier) {
        return getAsync(supplier, classifier);
    }

    /** As {@link #getAsync(Supplier)}; {@code outcomes} decides which outcomes are failures. */
    public <T> CompletableFuture<T> getAsync(Supplier<? extends CompletionStage<T>> supplier, Classifier<? super T> outcomes) {
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(outcomes, "outcomes");
        return BreakerGuard.callAsync(this, outcomes, supplier);
    }

    /** The classifier this breaker counts with when a call gives none. */
    public Classifier<Object> classifier() {
        return classifier;
    }

    /** For {@link BreakerGuard}: a start time, read only when the slow-call rule needs one. */
    long startTime() {
        return slowCallNanos > 0 ? clock.nanoTime() : 0;
    }

    long elapsedSince(long start) {
        return slowCallNanos > 0 ? clock.nanoTime() - start : 0;
    }

    // ---------------------------------------------------------------- permits and state: BreakerStateMachine

    /**
     * Asks to make one call. The caller must end every permit it gets with {@link Permit#record} (or
     * {@link Permit#release} if the call was never made): a trial permit that is never ended keeps its
     * half-open slot taken. {@link BreakerGuard} does all of that for a call.
     *
     * @throws CallNotPermittedException if the breaker is OPEN, or HALF_OPEN with every trial slot taken;
     *     its message and {@link CallNotPermittedException#retryAfter()} say when to try again
     */
    public Permit acquirePermission() {
        Permit permit = machine.closedPermit;
        if (permit != null) {
            return permit;
        }
        return machine.acquireSlowly();
    }

    void record(Permit permit, Verdict verdict, long durationNanos) {
        machine.record(permit, verdict, durationNanos);
    }

    void release(Permit permit) {
        machine.release(permit);
    }

    /** Opens the breaker until {@link #reset} or {@link #forceClose}: every call is rejected. */
    public void forceOpen() {
        machine.manual(BreakerState.OPEN, true, "forced open by an operator");
    }

    /** Closes the breaker until {@link #reset} or {@link #forceOpen}: every call passes, failures never open it. */
    public void forceClose() {
        machine.manual(BreakerState.CLOSED, true, "forced closed by an operator");
    }

    /** Back to normal CLOSED operation: counts, growth step and any forcing are cleared. */
    public void reset() {
        machine.manual(BreakerState.CLOSED, false, "reset by an operator");
    }

    /** Adds a listener; the returned handle removes it again. */
    public Cancellable addListener(BreakerListener listener) {
        return machine.listeners.add(listener);
    }

    /** The current state; an OPEN breaker whose time is up turns HALF_OPEN when read. */
    public BreakerState state() {
        return machine.state();
    }

    /** Whether an operator forced the current state. */
    public boolean isForced() {
        return machine.forced;
    }

    /** State and counters at one moment. */
    public BreakerSnapshot snapshot() {
        return machine.snapshot();
    }

    /** Stops following the store's changes (the breaker itself keeps working, locally). */
    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + machine.state + (machine.forced ? " (forced)" : "") + "]";
    }

    /**
     * Leave to make one call, from {@link CircuitBreaker#acquirePermission()}. Record the call's outcome
     * with it exactly once. CLOSED permits are shared by all calls of one closed period (so the success
     * path allocates nothing); a HALF_OPEN trial permit is one call's own.
     */
    public static final class Permit {
        private final CircuitBreaker breaker;
        final long generation;
        final boolean trial;
        /** Guarded by the breaker's lock; only trial permits use it. */
        boolean ended;

        Permit(CircuitBreaker breaker, long generation, boolean trial) {
            this.breaker = breaker;
            this.generation = generation;
            this.trial = trial;
        }

        /** True for a HALF_OPEN trial call. */
        public boolean isTrial() {
            return trial;
        }

        /** Records the call's outcome: {@link Verdict#isFailure()} counts as a failure. */
        public void record(Verdict verdict, long durationNanos) {
            breaker.record(this, Objects.requireNonNull(verdict, "verdict"), durationNanos);
        }

        public void recordSuccess(long durationNanos) {
            breaker.record(this, Verdict.success(), durationNanos);
        }

        public void recordFailure(long durationNanos) {
            breaker.record(this, Verdict.fail(), durationNanos);
        }

        /** The call was never made: frees a trial slot without counting anything. */
        public void release() {
            breaker.release(this);
        }
    }

    /** Builds a {@link CircuitBreaker}. */
    public static final class Builder {
        private final CircuitBreakerPolicy policy;
        private Clock clock = Clock.system();
        private BreakerStore store;
        private BreakerListener[] listeners = NO_LISTENERS;

        private Builder(CircuitBreakerPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** The clock (a {@link dev.endure.VirtualTime} in tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where the state is persisted or shared; null (the default) keeps it in this object only. */
        public Builder store(BreakerStore store) {
            this.store = store;
            return this;
        }

        /** A listener that also hears the state restored from the store at build time. */
        public Builder listener(BreakerListener listener) {
            Objects.requireNonNull(listener, "listener");
            listeners = ListenerList.with(listeners, listener);
            return this;
        }

        public CircuitBreaker build() {
            return new CircuitBreaker(this).attachStore();
        }
    }
}
