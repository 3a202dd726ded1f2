package dev.endure.breaker;

import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.breaker.CircuitBreaker.Permit;
import dev.endure.breaker.internal.OutcomeWindow;
import dev.endure.internal.ListenerList;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link CircuitBreaker}'s state and every transition of it, behind one lock: the seam between the
 * public breaker (running calls, its builder) and the machine that decides. Read top to bottom: permits,
 * outcomes and the trip rule, the one {@code moveTo}, manual and stored changes, events and saving.
 */
final class BreakerStateMachine {

    private static final System.Logger LOG = System.getLogger(CircuitBreaker.class.getName());

    private final CircuitBreaker owner;
    private final CircuitBreakerPolicy policy;
    private final String name;
    private final dev.endure.Clock clock;
    private final BreakerStoreSync store;
    private final long slowCallNanos;
    private final OutcomeWindow window;
    private final ReentrantLock lock = new ReentrantLock();
    final ListenerList<BreakerListener> listeners;

    // Written only under the lock; volatile where the fast paths read them without it.
    volatile BreakerState state = BreakerState.CLOSED;
    /** The shared permit of the current CLOSED period; non-null exactly while CLOSED. */
    volatile Permit closedPermit;
    volatile boolean forced;
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

    BreakerStateMachine(CircuitBreaker owner, BreakerStoreSync store, ListenerList<BreakerListener> listeners) {
        this.owner = owner;
        this.policy = owner.policy();
        this.name = policy.name();
        this.clock = owner.clock();
        this.store = store;
        this.slowCallNanos = policy.slowCallThreshold().map(Duration::toNanos).orElse(0L);
        this.window = policy.slidingWindow().map(OutcomeWindow::of).orElse(null);
        this.listeners = listeners;
        this.closedPermit = new Permit(owner, 0, false);
    }


    Permit acquireSlowly() {
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
                        permit = new Permit(owner, generation, true);
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
        closedPermit = to == BreakerState.CLOSED ? new Permit(owner, generation, false) : null;
        String why = forced && to != BreakerState.HALF_OPEN ? reason + " (forced)" : reason;
        return hasListeners() ? new BreakerEvent.StateChanged(name, clock.instant(), from, to, why, openFor, openStep) : null;
    }

    void manual(BreakerState to, boolean forcing, String reason) {
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
    void adopt(BreakerRecord stored, String how) {
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
    BreakerState state() {
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

    /** State and counters at one moment. */
    BreakerSnapshot snapshot() {
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
}
