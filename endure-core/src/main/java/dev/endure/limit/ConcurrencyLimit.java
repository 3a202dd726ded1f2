package dev.endure.limit;

import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.limit.internal.LimitWindow;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <p>The success path takes no lock and allocates nothing: a compare-and-set on the count in flight to enter, a
 * decrement to leave, and for an adaptive limit two clock readings and one atomic add into the current window.
 * Waiting callers park on a FIFO queue behind a {@link ReentrantLock} (never {@code synchronized}, which pins
 * virtual threads); a leaving call hands its slot straight to the oldest waiter, so a newcomer cannot overtake.
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
    /** The count in flight while an exclusive call runs: above any limit, so nobody else enters. */
    private static final int EXCLUSIVE = 1 << 30;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ConcurrencyLimit.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrencyLimitPolicy policy;
    private final String name;
    private final Clock clock;
    private final boolean adaptive;
    private final long maxWaitNanos;
    private final boolean systemClock;

    /** Calls in flight ({@link #EXCLUSIVE} while an exclusive call runs); a field, not an AtomicInteger: one load less. */
    private volatile int inFlight;
    private volatile int limit;
    private final LongAdder rejections = new LongAdder();

    // Waiting callers, FIFO; the count is read without the lock by leaving calls.
    private final ReentrantLock waitLock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private volatile int waiting;

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
        this.window = adaptive ? new LimitWindow(policy, chosen -> limit = chosen) : null;
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
     * @return an opaque permit (the grant time on the limit's clock, for the latency sample)
     * @throws ConcurrencyLimitExceededException if no slot freed in time (or the thread was interrupted waiting)
     */
    public long acquire() {
        if (waiting == 0 && tryTake()) {
            return grantTime();
        }
        if (maxWaitNanos <= 0) {
            if (tryTake()) {
                return grantTime();
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
        if (waiting == 0 && IN_FLIGHT.compareAndSet(this, 0, EXCLUSIVE)) {
            return 0;
        }
        if (maxWaitNanos <= 0) {
            throw rejected(0);
        }
        return await(maxWaitNanos, true);
    }

    /** Ends an exclusive call: everyone waiting may enter again. The verdict is not a sample (see {@link #acquireExclusive()}). */
    public void releaseExclusive(long permit, Verdict verdict) {
        IN_FLIGHT.getAndAdd(this, -EXCLUSIVE);
        if (waiting > 0) {
            handOffSlots();
        }
    }

    /**
     * Takes a slot if one is free now, without waiting and without an exception: for a worker that would rather
     * pick other work (another endpoint's delivery) than wait. Counts no rejection.
     *
     * @return a permit for {@link #release(long, Verdict)}, or {@link #NO_PERMIT}
     */
    public long tryAcquire() {
        if (tryTake()) {
            long permit = grantTime();
            return permit == NO_PERMIT ? permit + 1 : permit;
        }
        if (adaptive) {
            window.markSaturated();
        }
        return NO_PERMIT;
    }

    /** Takes a slot only if one is free now, whatever the max wait: for asynchronous callers, who must not block. */
    public long acquireNow() {
        if (tryTake()) {
            return grantTime();
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
        IN_FLIGHT.getAndAdd(this, -1);
        if (waiting > 0) {
            handOffSlots();
        }
        if (adaptive) {
            boolean grew = verdict.kind() == Verdict.Kind.SUCCESS ? window.success(clock.nanoTime() - permit)
                    : verdict.isRetryable() && window.overload();
            if (grew && waiting > 0) {
                handOffSlots();
            }
        }
    }

    private boolean tryTake() {
        while (true) {
            int current = inFlight;
            int allowed = limit;
            if (current >= allowed) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
                if (adaptive && current + 1 >= allowed) {
                    window.markSaturated();
                }
                return true;
            }
        }
    }

    private long grantTime() {
        return adaptive ? clock.nanoTime() : 0;
    }

    private long await(long maxWait, boolean exclusive) {
        Waiter me = new Waiter(Thread.currentThread(), exclusive);
        long start = clock.nanoTime();
        waitLock.lock();
        try {
            waiters.addLast(me);
            waiting = waiters.size();
            grantFreeSlots();
        } finally {
            waitLock.unlock();
        }
        if (adaptive) {
            window.markSaturated();
        }
        boolean interrupted = false;
        while (!me.granted) {
            long remaining = start + maxWait - clock.nanoTime();
            if (remaining <= 0) {
                break;
            }
            if (Thread.interrupted()) {
                interrupted = true;
                break;
            }
            LockSupport.parkNanos(this, systemClock ? remaining : Math.min(remaining, VIRTUAL_CLOCK_PARK_NANOS));
        }
        if (!me.granted) {
            waitLock.lock();
            try {
                if (!me.granted) {
                    waiters.remove(me);
                    waiting = waiters.size();
                    grantFreeSlots(); // an exclusive caller giving up no longer holds back those behind it
                }
            } finally {
                waitLock.unlock();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (me.granted) {
            return exclusive ? 0 : grantTime();
        }
        throw rejected(clock.nanoTime() - start);
    }

    private void handOffSlots() {
        waitLock.lock();
        try {
            grantFreeSlots();
        } finally {
            waitLock.unlock();
        }
    }

    /**
     * Under waitLock: gives every free slot to the oldest waiters. An exclusive waiter at the head holds back those
     * behind it until nothing is in flight, then takes the whole limit.
     */
    private void grantFreeSlots() {
        while (!waiters.isEmpty()) {
            int current = inFlight;
            boolean exclusive = waiters.peekFirst().exclusive;
            if (exclusive ? current != 0 : current >= limit) {
                return;
            }
            if (IN_FLIGHT.compareAndSet(this, current, exclusive ? EXCLUSIVE : current + 1)) {
                Waiter next = waiters.pollFirst();
                waiting = waiters.size();
                next.granted = true;
                LockSupport.unpark(next.thread);
            }
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
        int current = inFlight;
        return current >= EXCLUSIVE ? current - EXCLUSIVE + 1 : current;
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
        return "ConcurrencyLimit[" + name + ": " + inFlight() + (inFlight >= EXCLUSIVE ? " (exclusive)" : "") + " of " + limit + " in flight, " + waiting + " waiting, "
                + (adaptive ? "adaptive" : "fixed") + "]";
    }

    private static final class Waiter {
        final Thread thread;
        final boolean exclusive;
        volatile boolean granted;

        Waiter(Thread thread, boolean exclusive) {
            this.thread = thread;
            this.exclusive = exclusive;
        }
    }
}
