package dev.endure.limit;

import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.limit.internal.LimitWindow;
import dev.endure.limit.internal.SlotTable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets at most {@link #limit()} calls run at once; the rest wait (first come, first served) up to the policy's max
 * wait and are then rejected with {@link ConcurrencyLimitExceededException}. Fixed or adaptive by its
 * {@link ConcurrencyLimitPolicy}. Thread-safe; share one per downstream (a database, a host, an endpoint).
 *
 * <pre>{@code
 * ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("search").build());
 * Page page = limit.get(() -> search.query(q), classifier);   // classifier: which outcomes mean overload
 *
 * long permit = limit.acquire();                               // or by hand, e.g. around a pooled resource
 * try { ... limit.release(permit, Verdict.success()); } catch (...) { limit.release(permit, verdict); }
 * }</pre>
 *
 * <p>An outcome is reported with a {@link Verdict}: a success is a latency sample, a retryable failure
 * ({@link Verdict#isRetryable()}: a serialization failure, a 429/503, a timeout) is an overload signal, and a
 * permanent one says nothing about load and is only released. A fixed limit ignores all of them.
 *
 * <p>The success path takes no lock and allocates nothing: a call owns one of the limit's slots while it runs, takes
 * it with one compare-and-set and frees it with a plain store (nobody else writes a taken slot), so the count in
 * flight stays exact at one atomic instruction a call; an adaptive limit adds two clock readings and one atomic add
 * into the current window. Waiting callers park on a FIFO queue behind a {@link ReentrantLock} (never
 * {@code synchronized}, which pins virtual threads); while anyone waits, callers enter and leave through that lock
 * and a leaving call hands its slot straight to the oldest waiter, so a newcomer cannot overtake.
 *
 * <p>{@link #acquireExclusive()} takes the whole limit: it waits in line like any caller, then until every call in
 * flight has left, and runs alone. For the last attempt of a transaction that keeps conflicting (it cannot
 * conflict with nothing), as software transactional memory falls back to a global lock after repeated aborts.
 */
public final class ConcurrencyLimit {

    /** What {@link #tryAcquire()} returns when no slot is free. */
    public static final long NO_PERMIT = Long.MIN_VALUE;

    /** With a virtual clock, a waiter re-reads the clock this often (real time) to notice a test moving it. */
    private static final long VIRTUAL_CLOCK_PARK_NANOS = 10_000_000L;
    /** A new waiter's spin before it looks for a slot freed unseen ({@link #lookForALateFree}): about a microsecond. */
    private static final int LATE_FREE_SPINS = 64;
    /** ... and its first park ends after at most this long, to look once more whatever happened. */
    private static final long LATE_FREE_RECHECK_NANOS = 100_000_000L;
    /** An adaptive permit keeps its slot in the low bits (an adaptive limit has at most 10,000 slots). */
    private static final int SLOT_BITS = 16;
    private static final long SLOT_MASK = (1L << SLOT_BITS) - 1;

    private final ConcurrencyLimitPolicy policy;
    private final String name;
    private final Clock clock;
    private final boolean adaptive;
    private final long maxWaitNanos;
    private final boolean systemClock;

    /** One slot per call that may run: taking one is the only atomic instruction on the success path. */
    private final SlotTable slots;
    private volatile int limit;
    private final LongAdder rejections = new LongAdder();

    /**
     * The limit while callers may take slots without the lock; 0 while every entry goes through waitLock and every
     * leaving call hands over under it (callers wait, an exclusive call waits or runs, or calls above a limit that
     * just shrank are still in flight). One word, so the success path reads one field to enter and one to leave.
     * Written under waitLock; read without it.
     */
    private volatile int gate;
    /** An exclusive call runs; written under waitLock. */
    private volatile boolean exclusiveHeld;
    // Waiting callers, FIFO; the count is for reading.
    private final ReentrantLock waitLock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private volatile int waiting;

    /** Tests only: runs in a queued caller right before it first parks (to free a slot unseen at that moment). */
    volatile Runnable beforeParking;

    /** The adaptive limit's outcomes since the limit last moved; null when fixed. */
    private final LimitWindow window;

    private ConcurrencyLimit(ConcurrencyLimitPolicy policy, Clock clock) {
        this.policy = policy;
        this.name = policy.name();
        this.clock = clock;
        this.systemClock = clock == Clock.system();
        this.adaptive = policy.isAdaptive();
        this.maxWaitNanos = policy.maxWait().toNanos();
        this.limit = policy.initialLimit();
        this.gate = limit;
        this.slots = new SlotTable(policy.maxLimit());
        this.window = adaptive ? new LimitWindow(policy, this::applyLimit) : null;
    }

    /** A limit on the system clock. */
    public static ConcurrencyLimit of(ConcurrencyLimitPolicy policy) {
        return new ConcurrencyLimit(Objects.requireNonNull(policy, "policy"), Clock.system());
    }

    /** A limit on {@code clock} (a {@link dev.endure.VirtualTime} in tests): latency and waiting use it. */
    public static ConcurrencyLimit of(ConcurrencyLimitPolicy policy, Clock clock) {
        return new ConcurrencyLimit(Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(clock, "clock"));
    }

    // ---------------------------------------------------------------- running calls

    /** Runs {@code supplier} within the limit; its exceptions are released without a signal. */
    public <T> T get(Supplier<? extends T> supplier) {
        return get(supplier, null);
    }

    /**
     * Runs {@code supplier} within the limit; {@code outcomes} decides which outcomes signal overload.
     *
     * @throws ConcurrencyLimitExceededException if no slot freed within the policy's max wait
     */
    public <T> T get(Supplier<? extends T> supplier, Classifier<? super T> outcomes) {
        Objects.requireNonNull(supplier, "supplier");
        long permit = acquire();
        T result;
        try {
            result = supplier.get();
        } catch (Throwable failure) {
            release(permit, verdictOf(outcomes, null, failure));
            throw failure;
        }
        release(permit, outcomes == null || outcomes.acceptsEveryResult() ? Verdict.success() : verdictOf(outcomes, result, null));
        return result;
    }

    /** As {@link #get(Supplier, Classifier)}, for a call that throws checked exceptions; they pass through. */
    public <T> T call(Callable<? extends T> callable, Classifier<? super T> outcomes) throws Exception {
        Objects.requireNonNull(callable, "callable");
        long permit = acquire();
        T result;
        try {
            result = callable.call();
        } catch (Throwable failure) {
            release(permit, verdictOf(outcomes, null, failure));
            throw failure;
        }
        release(permit, outcomes == null || outcomes.acceptsEveryResult() ? Verdict.success() : verdictOf(outcomes, result, null));
        return result;
    }

    private static <T> Verdict verdictOf(Classifier<? super T> outcomes, T result, Throwable failure) {
        if (outcomes == null) {
            return failure == null ? Verdict.success() : Verdict.fail();
        }
        try {
            Verdict verdict = outcomes.classify(result, failure);
            return verdict != null ? verdict : Verdict.fail();
        } catch (RuntimeException classifierBug) {
            return Verdict.fail();
        }
    }

    // ---------------------------------------------------------------- permits

    /**
     * Takes a slot, waiting up to the policy's max wait. Pass the returned permit to exactly one
     * {@link #release(long, Verdict)}.
     *
     * @return an opaque permit (the slot, and for an adaptive limit the grant time for the latency sample)
     * @throws ConcurrencyLimitExceededException if no slot freed in time (or the thread was interrupted waiting)
     */
    public long acquire() {
        int fast = takeFast();
        if (fast >= 0) {
            return permit(fast);
        }
        if (maxWaitNanos <= 0) {
            int slot = gate == 0 ? takeLocked() : -1; // the fast path just found the limit full, or the gate closed
            if (slot >= 0) {
                return permit(slot);
            }
            throw rejected(0);
        }
        return await(maxWaitNanos, false);
    }

    /**
     * Takes the whole limit: waits in line up to the policy's max wait, like {@link #acquire()}, and then until no
     * other call is in flight; nobody else enters until {@link #releaseExclusive(long, Verdict)}. For a call that
     * must not overlap any other under this limit, such as a transaction's last attempt after it kept conflicting.
     * An exclusive call is no sample for an adaptive limit: it says nothing about the load the limit allows.
     *
     * @return a permit for {@link #releaseExclusive(long, Verdict)} (not for {@link #release(long, Verdict)})
     * @throws ConcurrencyLimitExceededException if the limit did not empty within the max wait
     */
    public long acquireExclusive() {
        if (maxWaitNanos > 0) {
            return await(maxWaitNanos, true);
        }
        waitLock.lock();
        try {
            if (waiters.isEmpty() && !exclusiveHeld) {
                gate = 0; // before looking: a call entering now sees it and backs out, or is seen below
                if (slots.taken(slots.capacity()) == 0) {
                    exclusiveHeld = true;
                    return 0;
                }
                refreshGuard();
            }
        } finally {
            waitLock.unlock();
        }
        throw rejected(0);
    }

    /** Ends an exclusive call: everyone waiting may enter again. The verdict is not a sample (see {@link #acquireExclusive()}). */
    public void releaseExclusive(long permit, Verdict verdict) {
        waitLock.lock();
        try {
            if (!exclusiveHeld) {
                throw new IllegalStateException("concurrency limit '" + name + "' has no exclusive call to end");
            }
            exclusiveHeld = false;
            grant();
        } finally {
            waitLock.unlock();
        }
    }

    /**
     * Takes a slot if one is free now, without waiting and without an exception: for a worker that would rather
     * pick other work (another endpoint's delivery) than wait. Counts no rejection.
     *
     * @return a permit for {@link #release(long, Verdict)}, or {@link #NO_PERMIT}
     */
    public long tryAcquire() {
        int slot = takeNow();
        if (slot >= 0) {
            long permit = permit(slot);
            return permit == NO_PERMIT ? permit ^ (1L << SLOT_BITS) : permit; // one nanosecond off, once in 2^47
        }
        if (adaptive) {
            window.markSaturated();
        }
        return NO_PERMIT;
    }

    /** Takes a slot only if one is free now, whatever the max wait: for asynchronous callers, who must not block. */
    public long acquireNow() {
        int slot = takeNow();
        if (slot >= 0) {
            return permit(slot);
        }
        throw rejected(0);
    }

    /** Gives the slot back after a success: a latency sample for an adaptive limit. */
    public void release(long permit) {
        release(permit, Verdict.success());
    }

    /**
     * Gives the slot back. For an adaptive limit a success is a latency sample, a retryable verdict an overload
     * signal; a permanent failure is neither.
     */
    public void release(long permit, Verdict verdict) {
        slots.free(adaptive ? (int) (permit & SLOT_MASK) : (int) permit);
        if (gate == 0) {
            handOff();
        }
        if (adaptive) {
            long latency = ((clock.nanoTime() << SLOT_BITS) - (permit & ~SLOT_MASK)) >> SLOT_BITS;
            if (verdict.kind() == Verdict.Kind.SUCCESS) {
                window.success(latency); // a window it closes applies its limit (applyLimit), handing new slots over
            } else if (verdict.isRetryable()) {
                window.overload();
            }
        }
    }

    /** The permit for {@code slot}: the slot, under the grant time on the limit's clock when adaptive. */
    private long permit(int slot) {
        return adaptive ? clock.nanoTime() << SLOT_BITS | slot : slot;
    }

    /**
     * A slot without the lock, or -1 (the limit is full, or the caller must go through the lock). Entering reads
     * {@link #gate} again after taking the slot: whoever closes or lowers it looks at the slots afterwards, so either
     * this call sees the change and backs out, or the one making it sees the slot taken.
     */
    private int takeFast() {
        int allowed = gate;
        int slot = allowed == 0 ? -1 : slots.take(allowed);
        if (slot < 0) {
            return -1;
        }
        int now = gate;
        if (slot >= now) { // closed (0), or lowered below this slot, since it was read
            slots.free(slot);
            if (now == 0) {
                handOff();
            }
            return -1;
        }
        if (adaptive && !window.isSaturated() && slots.full(allowed)) {
            window.markSaturated();
        }
        return slot;
    }

    /** A slot now, through the lock while guarded, without queueing; -1 if none is free or callers wait ahead. */
    private int takeNow() {
        int fast = takeFast();
        return fast >= 0 || gate != 0 ? fast : takeLocked();
    }

    /** Under the lock, while the gate is closed: a slot if nobody waits ahead and fewer than the limit run. */
    private int takeLocked() {
        waitLock.lock();
        try {
            if (!waiters.isEmpty() || exclusiveHeld) {
                return -1;
            }
            int allowed = limit;
            int slot = slots.taken(slots.capacity()) < allowed ? slots.take(allowed) : -1;
            refreshGuard();
            return slot;
        } finally {
            waitLock.unlock();
        }
    }

    private long await(long maxWait, boolean exclusive) {
        Waiter me = new Waiter(Thread.currentThread(), exclusive);
        long start = clock.nanoTime();
        waitLock.lock();
        try {
            waiters.addLast(me);
            waiting = waiters.size();
            gate = 0; // from now on every leaving call hands its slot over under the lock
            grant();
        } finally {
            waitLock.unlock();
        }
        if (!me.granted) {
            if (adaptive) {
                window.markSaturated();
            }
            lookForALateFree(me);
            Runnable hook = beforeParking;
            if (hook != null) {
                hook.run();
            }
        }
        boolean interrupted = false;
        boolean rechecked = false;
        while (!me.granted) {
            long remaining = start + maxWait - clock.nanoTime();
            if (remaining <= 0) {
                break;
            }
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
            long park = systemClock ? remaining : Math.min(remaining, VIRTUAL_CLOCK_PARK_NANOS);
            LockSupport.parkNanos(this, rechecked ? park : Math.min(park, LATE_FREE_RECHECK_NANOS));
            if (!rechecked && !me.granted) {
                rechecked = true; // the last resort of lookForALateFree, once
                handOff();
            }
        }
        if (!me.granted) {
            waitLock.lock();
            try {
                if (!me.granted) {
                    waiters.remove(me);
                    waiting = waiters.size();
                    grant(); // an exclusive caller giving up no longer holds back those behind it
                }
            } finally {
                waitLock.unlock();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (me.granted) {
            return exclusive ? 0 : permit(me.slot);
        }
        throw rejected(clock.nanoTime() - start);
    }

    /**
     * A call that left just as this one queued may have read the gate while it was still open (its freed slot not
     * yet visible to this thread's grant(), as a processor may read before its own earlier store is seen by
     * others), so it handed nothing over. Such a store reaches the other processors within a moment: spin for one,
     * then look at the slots without the lock and hand over if one is free. The first park is also timed
     * ({@link #LATE_FREE_RECHECK_NANOS}) as a last resort. Leaving calls that read the gate after this one closed
     * it hand over themselves.
     */
    private void lookForALateFree(Waiter me) {
        for (int spin = 0; spin < LATE_FREE_SPINS && !me.granted; spin++) {
            Thread.onSpinWait();
        }
        if (!me.granted && (me.exclusive ? slots.taken(slots.capacity()) == 0 : !slots.full(limit))) {
            handOff();
        }
    }

    private void handOff() {
        waitLock.lock();
        try {
            grant();
        } finally {
            waitLock.unlock();
        }
    }

    /**
     * Under waitLock: gives free slots to the oldest waiters, counting every taken slot (so calls above a limit
     * that just shrank hold newcomers back). An exclusive waiter at the head holds back those behind it until nothing
     * is in flight, then takes the whole limit. Then decides whether callers may enter without the lock again.
     */
    private void grant() {
        int inFlight = slots.taken(slots.capacity());
        while (!waiters.isEmpty() && !exclusiveHeld) {
            Waiter head = waiters.peekFirst();
            if (head.exclusive) {
                if (inFlight != 0) {
                    break;
                }
                exclusiveHeld = true;
            } else {
                int allowed = limit;
                int slot = inFlight < allowed ? slots.take(allowed) : -1;
                if (slot < 0) {
                    break; // full, or a slot is held by a caller about to back out, who hands it over then
                }
                head.slot = slot;
                inFlight++;
            }
            waiters.pollFirst();
            waiting = waiters.size();
            head.granted = true;
            LockSupport.unpark(head.thread);
        }
        refreshGuard();
    }

    /**
     * Under waitLock: callers may take slots without the lock only while nobody waits, no exclusive call runs or
     * waits, and no slot at or above the limit is taken (after the limit shrank, until those calls have left).
     */
    private void refreshGuard() {
        int allowed = limit;
        boolean guarded = !waiters.isEmpty() || exclusiveHeld || slots.anyTakenFrom(allowed);
        gate = guarded ? 0 : allowed;
    }

    /**
     * Applies a limit an adaptive window chose (once a window, under the window's lock): new slots go to waiting
     * callers at once; after a shrink, entry goes through the lock until the calls above the new limit have left.
     */
    private void applyLimit(int chosen) {
        waitLock.lock();
        try {
            if (chosen < limit) {
                gate = 0; // before grant() looks at the slots: see takeFast
            }
            limit = chosen;
            grant();
        } finally {
            waitLock.unlock();
        }
    }

    private ConcurrencyLimitExceededException rejected(long waitedNanos) {
        rejections.increment();
        if (adaptive) {
            window.markSaturated();
        }
        int current = limit;
        long latency = adaptive ? window.recentLatencyNanos() : -1;
        Duration hint = latency > 0 ? Duration.ofNanos(latency) : null;
        String message = "concurrency limit '" + name + "' is full: " + Math.min(inFlight(), current) + " of " + current
                + " calls in flight" + (maxWaitNanos > 0 ? ", waited " + Durations.describeNanos(Math.max(0, waitedNanos))
                        + " (maxWait " + Durations.describe(policy.maxWait()) + ")" : " (no wait configured)")
                + (Thread.currentThread().isInterrupted() ? "; interrupted while waiting" : "");
        return new ConcurrencyLimitExceededException(message, name, current, Duration.ofNanos(Math.max(0, waitedNanos)), hint);
    }

    // ---------------------------------------------------------------- state

    public ConcurrencyLimitPolicy policy() {
        return policy;
    }

    public String name() {
        return name;
    }

    public boolean isAdaptive() {
        return adaptive;
    }

    /** How many calls may run at once now. */
    public int limit() {
        return limit;
    }

    /** How many calls run now (an exclusive call counts as one). */
    public int inFlight() {
        return slots.taken(slots.capacity()) + (exclusiveHeld ? 1 : 0);
    }

    /** How many callers wait for a slot now. */
    public int waiting() {
        return waiting;
    }

    /** Calls rejected since this limit was created. */
    public long rejections() {
        return rejections.sum();
    }

    /** The adaptive limit's no-load latency estimate; empty for a fixed limit or before the first window closed. */
    public java.util.Optional<Duration> baselineLatency() {
        double baseline = adaptive ? window.baselineNanos() : Double.NaN;
        return Double.isNaN(baseline) ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos((long) baseline));
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit[" + name + ": " + inFlight() + (exclusiveHeld ? " (exclusive)" : "") + " of " + limit + " in flight, " + waiting + " waiting, "
                + (adaptive ? "adaptive" : "fixed") + "]";
    }

    private static final class Waiter {
        final Thread thread;
        final boolean exclusive;
        int slot = -1;
        volatile boolean granted;

        Waiter(Thread thread, boolean exclusive) {
            this.thread = thread;
            this.exclusive = exclusive;
        }
    }
}
