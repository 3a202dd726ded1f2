package dev.endure.limit;

import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.limit.internal.LimitEstimator;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class ConcurrencyLimit {

    /** What {@link #tryAcquire()} returns when no slot is free. */
    public static final long NO_PERMIT = Long.MIN_VALUE;

    /** A window packs its completions (high bits) and summed latency in 16 ns units (low bits) into one long. */
    private static final int SUM_BITS = 44;
    private static final long SUM_MASK = (1L << SUM_BITS) - 1;
    private static final long ONE_COMPLETION = 1L << SUM_BITS;
    private static final int UNIT_SHIFT = 4;
    /** One sample counts at most ~17 s, so even the largest window cannot overflow into the count. */
    private static final long MAX_SAMPLE_UNITS = 1L << 30;
    /** With a virtual clock, a waiter re-reads the clock this often (real time) to notice a test moving it. */
    private static final long VIRTUAL_CLOCK_PARK_NANOS = 10_000_000L;

    private final ConcurrencyLimitPolicy policy;
    private final String name;
    private final Clock clock;
    private final boolean adaptive;
    private final long maxWaitNanos;
    private final boolean systemClock;

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile int limit;
    private final LongAdder rejections = new LongAdder();

    // Waiting callers, FIFO; the count is read without the lock by leaving calls.
    private final ReentrantLock waitLock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private volatile int waiting;

    // The adaptive window: filled without a lock, closed by one thread at a time under windowLock.
    private final AtomicLong window = new AtomicLong();
    private final AtomicInteger overloads = new AtomicInteger();
    private volatile boolean saturated;
    private volatile int windowTarget;
    private final ReentrantLock windowLock = new ReentrantLock();
    private final LimitEstimator estimator;
    private volatile long recentLatencyNanos = -1;

    private ConcurrencyLimit(ConcurrencyLimitPolicy policy, Clock clock) {
        this.policy = policy;
        this.name = policy.name();
        this.clock = clock;
        this.systemClock = clock == Clock.system();
        this.adaptive = policy.isAdaptive();
        this.maxWaitNanos = policy.maxWait().toNanos();
        this.limit = policy.initialLimit();
        this.estimator = adaptive ? new LimitEstimator(policy) : null;
        this.windowTarget = Math.max(policy.minWindowSamples(), limit);
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
        return await(maxWaitNanos);
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
        if (adaptive && !saturated) {
            saturated = true;
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
        inFlight.decrementAndGet();
        if (waiting > 0) {
            handOffSlots();
        }
        if (adaptive) {
            if (verdict.kind() == Verdict.Kind.SUCCESS) {
                long units = Math.min(MAX_SAMPLE_UNITS, Math.max(0, clock.nanoTime() - permit) >>> UNIT_SHIFT);
                countCompletion(ONE_COMPLETION + units);
            } else if (verdict.isRetryable()) {
                overloads.incrementAndGet();
                countCompletion(ONE_COMPLETION);
            }
        }
    }

    private boolean tryTake() {
        while (true) {
            int current = inFlight.get();
            int allowed = limit;
            if (current >= allowed) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                if (adaptive && current + 1 >= allowed && !saturated) {
                    saturated = true;
                }
                return true;
            }
        }
    }

    private long grantTime() {
        return adaptive ? clock.nanoTime() : 0;
    }

    private long await(long maxWait) {
        Waiter me = new Waiter(Thread.currentThread());
        long start = clock.nanoTime();
        waitLock.lock();
        try {
            waiters.addLast(me);
            waiting = waiters.size();
            grantFreeSlots();
        } finally {
            waitLock.unlock();
        }
        if (adaptive && !saturated) {
            saturated = true;
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
                }
            } finally {
                waitLock.unlock();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (me.granted) {
            return grantTime();
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

    /** Under waitLock: gives every free slot to the oldest waiters. */
    private void grantFreeSlots() {
        while (!waiters.isEmpty()) {
            int current = inFlight.get();
            if (current >= limit) {
                return;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                Waiter next = waiters.pollFirst();
                waiting = waiters.size();
                next.granted = true;
                LockSupport.unpark(next.thread);
            }
        }
    }

    private ConcurrencyLimitExceededException rejected(long waitedNanos) {
        rejections.increment();
        if (adaptive && !saturated) {
            saturated = true;
        }
        int current = limit;
        long latency = recentLatencyNanos;
        Duration hint = latency > 0 ? Duration.ofNanos(latency) : null;
        String message = "concurrency limit '" + name + "' is full: " + Math.min(inFlight.get(), current) + " of " + current
                + " calls in flight" + (maxWaitNanos > 0 ? ", waited " + Durations.describeNanos(Math.max(0, waitedNanos))
                        + " (maxWait " + Durations.describe(policy.maxWait()) + ")" : " (no wait configured)")
                + (Thread.currentThread().isInterrupted() ? "; interrupted while waiting" : "");
        return new ConcurrencyLimitExceededException(message, name, current, Duration.ofNanos(Math.max(0, waitedNanos)), hint);
    }

    // ---------------------------------------------------------------- the adaptive window

    private void countCompletion(long delta) {
        long packed = window.addAndGet(delta);
        if ((packed >>> SUM_BITS) >= windowTarget) {
            closeWindow();
        }
    }

    private void closeWindow() {
        if (!windowLock.tryLock()) {
            return; // another thread is closing this window
        }
        int before;
        int after;
        try {
            if ((window.get() >>> SUM_BITS) < windowTarget) {
                return;
            }
            long packed = window.getAndSet(0);
            long completions = packed >>> SUM_BITS;
            long dropped = Math.min(completions, overloads.getAndSet(0));
            boolean wasSaturated = saturated;
            saturated = false;
            double latencySum = (double) ((packed & SUM_MASK) << UNIT_SHIFT);
            before = limit;
            after = estimator.onWindow(completions - dropped, latencySum, dropped, wasSaturated);
            double smoothed = estimator.smoothedNanos();
            recentLatencyNanos = Double.isNaN(smoothed) ? -1 : (long) smoothed;
            limit = after;
            windowTarget = Math.max(policy.minWindowSamples(), after);
        } finally {
            windowLock.unlock();
        }
        if (after > before && waiting > 0) {
            handOffSlots();
        }
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

    /** How many calls run now. */
    public int inFlight() {
        return inFlight.get();
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
        double baseline = estimator == null ? Double.NaN : estimator.baselineNanos();
        return Double.isNaN(baseline) ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos((long) baseline));
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit[" + name + ": " + inFlight.get() + " of " + limit + " in flight, " + waiting + " waiting, "
                + (adaptive ? "adaptive" : "fixed") + "]";
    }

    private static final class Waiter {
        final Thread thread;
        volatile boolean granted;

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }
}
