package dev.endure.breaker;

import dev.endure.Cancellable;
import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.breaker.internal.OutcomeWindow;
import dev.endure.internal.ListenerList;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
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
 * <p>The state machine, all of it in this class and behind one lock:
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
 * generation, window, deadline, trial counts) and must persist in order; a {@link ReentrantLock} (never
 * {@code synchronized}, which pins virtual threads) keeps that readable. The CLOSED fast path takes no
 * lock to get a permit, and none to record a success when only consecutive failures are counted.
 */
public final class CircuitBreaker implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CircuitBreaker.class.getName());
    private static final BreakerListener[] NO_LISTENERS = new BreakerListener[0];
    private static final Classifier<Object> EVERY_EXCEPTION_FAILS = Classifier.retryAllExceptions();

    private final CircuitBreakerPolicy policy;
    private final String name;
    private final Clock clock;
    private final BreakerStoreSync store;
    private final Classifier<Object> classifier;
    private final long slowCallNanos;
    private final OutcomeWindow window;
    private final ReentrantLock lock = new ReentrantLock();
    private final ListenerList<BreakerListener> listeners;

    // Written only under the lock; volatile where the fast paths read them without it.
    private volatile BreakerState state = BreakerState.CLOSED;
    /** The shared permit of the current CLOSED period; non-null exactly while CLOSED. */
    private volatile Permit closedPermit;
    private volatile boolean forced;
    private volatile int consecutiveFailures;
    private long generation;
    private long openUntilNanos;
    private int openStep;
    private int trialsInFlight;
    private int trialSuccesses;

    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder slowCalls = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private volatile boolean listenerFailureLogged;

    private CircuitBreaker(Builder builder) {
        this.policy = builder.policy;
        this.name = policy.name();
        this.clock = builder.clock;
        this.store = builder.store == null ? null : new BreakerStoreSync(builder.store, policy.name());
        this.classifier = policy.classifier().orElse(EVERY_EXCEPTION_FAILS);
        this.slowCallNanos = policy.slowCallThreshold().map(Duration::toNanos).orElse(0L);
        this.window = policy.slidingWindow().map(OutcomeWindow::of).orElse(null);
        this.listeners = new ListenerList<>(BreakerListener[]::new, builder.listeners);
        this.closedPermit = new Permit(this, 0, false);
    }

    /** After construction, so no other thread sees a half-built breaker: restore, then follow the store. */
    private CircuitBreaker attachStore() {
        if (store != null) {
            store.attach(stored -> adopt(stored, "restored from the store"), stored -> adopt(stored, "changed by another instance"));
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

    // ---------------------------------------------------------------- permits

    /**
     * Asks to make one call. The caller must end every permit it gets with {@link Permit#record} (or
     * {@link Permit#release} if the call was never made): a trial permit that is never ended keeps its
     * half-open slot taken.
     *
     * @throws CallNotPermittedException if the breaker is OPEN, or HALF_OPEN with every trial slot taken;
     *     its message and {@link CallNotPermittedException#retryAfter()} say when to try again
     */
    public Permit acquirePermission() {
        Permit permit = closedPermit;
        if (permit != null) {
            return permit;
        }
        return acquireSlowly();
    }

    private Permit acquireSlowly() {
        BreakerEvent changed = null;
        Permit permit = null;
        CallNotPermittedException rejection = null;
        lock.lock();
        try {
            long now = clock.nanoTime();
            if (state == BreakerState.OPEN && !forced && now - openUntilNanos >= 0) {
                changed = moveTo(BreakerState.HALF_OPEN, "open duration ended", now);
            }
            switch (state) {
                case CLOSED -> permit = closedPermit;
                case HALF_OPEN -> {
                    if (trialsInFlight < policy.halfOpenMaxTrials()) {
                        trialsInFlight++;
                        permit = new Permit(this, generation, true);
                    }
                }
                case OPEN -> { }
            }
            if (permit == null) {
                rejection = rejection(now);
            }
        } finally {
            lock.unlock();
        }
        afterChange(changed);
        if (rejection != null) {
            rejected.increment();
            if (hasListeners()) {
                emit(new BreakerEvent.CallRejected(name, clock.instant(), rejection.state(),
                        rejection.retryAfter().orElse(null)));
            }
            throw rejection;
        }
        return permit;
    }

    /** Under the lock: the error for a call that may not run now. */
    private CallNotPermittedException rejection(long now) {
        if (state == BreakerState.OPEN && forced) {
            return new CallNotPermittedException("circuit breaker '" + name + "' is forced OPEN: call rejected;"
                    + " it stays open until reset or forced closed", name, BreakerState.OPEN, null, null, true);
        }
        if (state == BreakerState.OPEN) {
            long remaining = Math.max(0, openUntilNanos - now);
            Instant at = clock.instant().plusNanos(remaining);
            return new CallNotPermittedException("circuit breaker '" + name + "' is OPEN: call rejected; it lets a trial"
                    + " call through in " + Durations.describeNanos(remaining) + " (at " + at + ")", name, BreakerState.OPEN,
                    Duration.ofNanos(remaining), at, false);
        }
        int trials = policy.halfOpenMaxTrials();
        return new CallNotPermittedException("circuit breaker '" + name + "' is HALF_OPEN and its " + trials
                + (trials == 1 ? " trial call is" : " trial calls are") + " in flight: call rejected; try again when a"
                + " trial ends", name, BreakerState.HALF_OPEN, null, null, false);
    }

    /** Counts one outcome of a call made under {@code permit}. */
    void record(Permit permit, Verdict verdict, long durationNanos) {
        boolean failed = verdict.isFailure();
        boolean slow = !failed && slowCallNanos > 0 && durationNanos > slowCallNanos;
        boolean failure = failed || slow;
        if (failure) {
            failures.increment();
            if (slow) {
                slowCalls.increment();
            }
        } else {
            successes.increment();
            // Lock-free success: resetting a zero run of failures is a no-op, and without a window
            // there is nothing else to update. A concurrent failure simply happens after it.
            if (!permit.trial && window == null && consecutiveFailures == 0) {
                return;
            }
        }
        BreakerEvent changed = null;
        lock.lock();
        try {
            if (permit.trial) {
                if (permit.ended) {
                    return;
                }
                permit.ended = true;
                trialsInFlight--;
            }
            if (permit.generation != generation) {
                return; // admitted in an earlier period: its outcome says nothing about this one
            }
            if (state == BreakerState.CLOSED) {
                consecutiveFailures = failure ? consecutiveFailures + 1 : 0;
                long now = window != null || failure ? clock.nanoTime() : 0;
                if (window != null) {
                    window.record(failure, now);
                }
                // Checked after successes too: a window that reaches its minimum calls on a success
                // may already hold a failure rate over the threshold.
                String reason = forced ? null : tripReason(now);
                if (reason != null) {
                    changed = moveTo(BreakerState.OPEN, reason, now);
                    markUnsaved();
                }
            } else if (state == BreakerState.HALF_OPEN) {
                if (failure) {
                    openStep++;
                    changed = moveTo(BreakerState.OPEN, "trial call failed (" + (slow ? "slow call" : verdict.toString()) + ")",
                            clock.nanoTime());
                    markUnsaved();
                } else if (++trialSuccesses >= policy.halfOpenSuccesses()) {
                    changed = moveTo(BreakerState.CLOSED, trialSuccesses + " trial calls succeeded", clock.nanoTime());
                    markUnsaved();
                }
            }
        } finally {
            lock.unlock();
        }
        afterChange(changed);
    }

    /** Under the lock, after an outcome while CLOSED: why the breaker must open now, or null. */
    private String tripReason(long now) {
        int threshold = policy.consecutiveFailures();
        if (threshold > 0 && consecutiveFailures >= threshold) {
            return consecutiveFailures + " consecutive failures";
        }
        if (window != null) {
            int calls = window.calls(now);
            int failed = window.failures(now);
            if (calls >= policy.minimumCalls() && failed >= policy.failureRateThreshold() * calls) {
                return failed + " of the last " + calls + " calls failed (threshold "
                        + Math.round(policy.failureRateThreshold() * 100) + " %)";
            }
        }
        return null;
    }

    void release(Permit permit) {
        if (!permit.trial) {
            return;
        }
        lock.lock();
        try {
            if (!permit.ended) {
                permit.ended = true;
                trialsInFlight--;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the transitions

    /**
     * Under the lock: the one place the state changes. Starts a new generation, so permits of the old
     * period can no longer move the new one.
     */
    private BreakerEvent.StateChanged moveTo(BreakerState to, String reason, long now) {
        return moveTo(to, reason, now, -1);
    }

    /** As {@link #moveTo(BreakerState, String, long)}; a non-negative {@code openNanos} replaces the policy's open duration. */
    private BreakerEvent.StateChanged moveTo(BreakerState to, String reason, long now, long openNanos) {
        BreakerState from = state;
        generation++;
        consecutiveFailures = 0;
        trialSuccesses = 0;
        Duration openFor = null;
        switch (to) {
            case CLOSED -> {
                openStep = 0;
                if (window != null) {
                    window.clear();
                }
            }
            case OPEN -> {
                if (!forced) {
                    openFor = openNanos >= 0 ? Duration.ofNanos(openNanos) : policy.openDurationAtStep(openStep);
                    openUntilNanos = now + openFor.toNanos();
                }
            }
            case HALF_OPEN -> { }
        }
        state = to;
        closedPermit = to == BreakerState.CLOSED ? new Permit(this, generation, false) : null;
        String why = forced && to != BreakerState.HALF_OPEN ? reason + " (forced)" : reason;
        return hasListeners() ? new BreakerEvent.StateChanged(name, clock.instant(), from, to, why, openFor, openStep) : null;
    }

    /** Opens the breaker until {@link #reset} or {@link #forceClose}: every call is rejected. */
    public void forceOpen() {
        manual(BreakerState.OPEN, true, "forced open by an operator");
    }

    /** Closes the breaker until {@link #reset} or {@link #forceOpen}: every call passes, failures never open it. */
    public void forceClose() {
        manual(BreakerState.CLOSED, true, "forced closed by an operator");
    }

    /** Back to normal CLOSED operation: counts, growth step and any forcing are cleared. */
    public void reset() {
        manual(BreakerState.CLOSED, false, "reset by an operator");
    }

    private void manual(BreakerState to, boolean forcing, String reason) {
        BreakerEvent changed;
        lock.lock();
        try {
            boolean wasDifferent = state != to || forced != forcing;
            forced = forcing;
            changed = moveTo(to, reason, clock.nanoTime());
            markUnsaved();
            if (!wasDifferent) {
                changed = null;
            }
        } finally {
            lock.unlock();
        }
        afterChange(changed);
    }

    /**
     * Takes over a record from the store: at start-up (a restart keeps an OPEN breaker OPEN for the rest
     * of its time, with its growth step) and whenever another instance changed the shared state.
     */
    private void adopt(BreakerRecord stored, String how) {
        BreakerEvent changed = null;
        lock.lock();
        try {
            if (!store.isNews(stored)) {
                return;
            }
            long now = clock.nanoTime();
            if (stored.state() == BreakerState.OPEN) {
                forced = stored.forced();
                openStep = stored.openStep();
                // Wall-clock instants cross processes; our monotonic clock takes over from here.
                long remaining = forced ? 0 : Math.max(0, Duration.between(clock.instant(), stored.openUntil()).toNanos());
                changed = moveTo(BreakerState.OPEN, how, now, remaining);
            } else if (state != BreakerState.CLOSED || forced != stored.forced()) {
                forced = stored.forced();
                changed = moveTo(BreakerState.CLOSED, how, now);
            }
        } finally {
            lock.unlock();
        }
        afterChange(changed);
    }

    // ---------------------------------------------------------------- persistence and events

    /** Under the lock: queues the current state for the store, so saves keep the order of transitions. */
    private void markUnsaved() {
        if (store == null) {
            return;
        }
        Instant now = clock.instant();
        Instant until = state == BreakerState.OPEN && !forced ? now.plusNanos(openUntilNanos - clock.nanoTime()) : null;
        store.queue(new BreakerRecord(name, state, until, openStep, forced, 0, store.instanceId(), now));
    }

    private void afterChange(BreakerEvent changed) {
        if (changed != null) {
            emit(changed);
        }
        if (store != null) {
            store.saveQueued();
        }
    }

    /** Adds a listener; the returned handle removes it again. */
    public Cancellable addListener(BreakerListener listener) {
        return listeners.add(listener);
    }

    private boolean hasListeners() {
        return !listeners.isEmpty();
    }

    private void emit(BreakerEvent event) {
        for (BreakerListener listener : listeners.get()) {
            try {
                listener.onEvent(event);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable broken) {
                if (!listenerFailureLogged) {
                    listenerFailureLogged = true;
                    LOG.log(System.Logger.Level.WARNING, "listener " + listener + " of circuit breaker '" + name
                            + "' threw on " + event.getClass().getSimpleName() + "; calls go on (not logged again)", broken);
                }
            }
        }
    }

    // ---------------------------------------------------------------- reading the state

    /** The current state; an OPEN breaker whose time is up turns HALF_OPEN when read. */
    public BreakerState state() {
        if (state == BreakerState.OPEN && !forced) {
            BreakerEvent changed = null;
            lock.lock();
            try {
                long now = clock.nanoTime();
                if (state == BreakerState.OPEN && !forced && now - openUntilNanos >= 0) {
                    changed = moveTo(BreakerState.HALF_OPEN, "open duration ended", now);
                }
            } finally {
                lock.unlock();
            }
            afterChange(changed);
        }
        return state;
    }

    /** Whether an operator forced the current state. */
    public boolean isForced() {
        return forced;
    }

    /** State and counters at one moment. */
    public BreakerSnapshot snapshot() {
        BreakerState current = state();
        lock.lock();
        try {
            long now = clock.nanoTime();
            Duration retryAfter = state == BreakerState.OPEN && !forced ? Duration.ofNanos(Math.max(0, openUntilNanos - now))
                    : Duration.ZERO;
            return new BreakerSnapshot(name, state, forced, retryAfter, openStep, window == null ? 0 : window.calls(now),
                    window == null ? 0 : window.failures(now), consecutiveFailures, trialsInFlight, successes.sum(),
                    failures.sum(), slowCalls.sum(), rejected.sum());
        } finally {
            lock.unlock();
        }
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
        return "CircuitBreaker[" + name + ", " + state + (forced ? " (forced)" : "") + "]";
    }

    /**
     * Leave to make one call, from {@link CircuitBreaker#acquirePermission()}. Record the call's outcome
     * with it exactly once. CLOSED permits are shared by all calls of one closed period (so the success
     * path allocates nothing); a HALF_OPEN trial permit is one call's own.
     */
    public static final class Permit {
        private final CircuitBreaker breaker;
        private final long generation;
        private final boolean trial;
        /** Guarded by the breaker's lock; only trial permits use it. */
        private boolean ended;

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
