package dev.endure.limit.internal;

import dev.endure.limit.ConcurrencyLimitPolicy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * An adaptive limit's current window of outcomes: filled without a lock (one atomic add per completion), closed by
 * one thread at a time, which hands what the window saw to the {@link LimitEstimator} and applies the new limit.
 * Allocates nothing per call.
 */
public final class LimitWindow {

    /** A window packs its completions (high bits) and summed latency in 16 ns units (low bits) into one long. */
    private static final int SUM_BITS = 44;
    private static final long SUM_MASK = (1L << SUM_BITS) - 1;
    private static final long ONE_COMPLETION = 1L << SUM_BITS;
    private static final int UNIT_SHIFT = 4;
    /** One sample counts at most ~17 s, so even the largest window cannot overflow into the count. */
    private static final long MAX_SAMPLE_UNITS = 1L << 30;

    private final int minWindowSamples;
    private final LimitEstimator estimator;
    private final IntConsumer applyLimit;
    private final AtomicLong window = new AtomicLong();
    private final AtomicInteger overloads = new AtomicInteger();
    private final ReentrantLock closing = new ReentrantLock();
    private volatile boolean saturated;
    private volatile int windowTarget;
    private volatile long recentLatencyNanos = -1;
    private int limit;

    /**
     * @param applyLimit sets the limit a closed window chose; called by one thread at a time, in window order
     */
    public LimitWindow(ConcurrencyLimitPolicy policy, IntConsumer applyLimit) {
        this.minWindowSamples = policy.minWindowSamples();
        this.estimator = new LimitEstimator(policy);
        this.applyLimit = applyLimit;
        this.limit = policy.initialLimit();
        this.windowTarget = Math.max(minWindowSamples, limit);
    }

    /** The limit was reached in this window (a call took the last slot, waited or was rejected): growth may use it. */
    public void markSaturated() {
        if (!saturated) {
            saturated = true;
        }
    }

    /** Whether the limit was reached in this window already (a caller need not look again until it closes). */
    public boolean isSaturated() {
        return saturated;
    }

    /**
     * Counts a call that completed normally after {@code latencyNanos}.
     *
     * @return whether this closed the window and the limit grew (waiting callers may take the new slots)
     */
    public boolean success(long latencyNanos) {
        return count(ONE_COMPLETION + Math.min(MAX_SAMPLE_UNITS, Math.max(0, latencyNanos) >>> UNIT_SHIFT));
    }

    /** Counts a call that reported overload; as {@link #success(long)}. */
    public boolean overload() {
        overloads.incrementAndGet();
        return count(ONE_COMPLETION);
    }

    private boolean count(long delta) {
        long packed = window.addAndGet(delta);
        return (packed >>> SUM_BITS) >= windowTarget && close();
    }

    private boolean close() {
        if (!closing.tryLock()) {
            return false; // another thread is closing this window
        }
        try {
            if ((window.get() >>> SUM_BITS) < windowTarget) {
                return false;
            }
            long packed = window.getAndSet(0);
            long completions = packed >>> SUM_BITS;
            long dropped = Math.min(completions, overloads.getAndSet(0));
            boolean wasSaturated = saturated;
            saturated = false;
            double latencySum = (double) ((packed & SUM_MASK) << UNIT_SHIFT);
            int before = limit;
            limit = estimator.onWindow(completions - dropped, latencySum, dropped, wasSaturated);
            double smoothed = estimator.smoothedNanos();
            recentLatencyNanos = Double.isNaN(smoothed) ? -1 : (long) smoothed;
            applyLimit.accept(limit);
            windowTarget = Math.max(minWindowSamples, limit);
            return limit > before;
        } finally {
            closing.unlock();
        }
    }

    /** The smoothed recent latency in nanoseconds, or -1 before the first window with a success. */
    public long recentLatencyNanos() {
        return recentLatencyNanos;
    }

    /** The no-load latency estimate in nanoseconds, or NaN before the first window with a success. */
    public double baselineNanos() {
        return estimator.baselineNanos();
    }
}
