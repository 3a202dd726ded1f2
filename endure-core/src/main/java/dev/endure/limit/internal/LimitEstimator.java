package dev.endure.limit.internal;

import dev.endure.limit.ConcurrencyLimitPolicy;

/**
 * The adaptive limit's arithmetic, one window at a time: pure, no clock, no threads. The caller (one thread at a
 * time, under the limit's window lock) hands it what the window saw and applies the limit it returns.
 *
 * <p>The rules, in order, at most one of them per window:
 * <ol>
 *   <li><b>Overload</b> (more than {@code overloadTolerance} of the window's calls reported a serialization
 *       failure, a 429/503, a timeout; by default any one): shrink, once per window, in proportion to how far the
 *       window's share of overload lies above the tolerance (a share 5 points over it takes 5 % off the limit), and
 *       by at most {@code decreaseFactor}. A window just over the line is mostly noise, a window of mostly overload
 *       is not: the first trims the limit, the second cuts it. (A fixed cut for any excess made the limit halve on
 *       every unlucky window of a SERIALIZABLE workload and settle well below the level its tolerance allows.)
 *       More than half the tolerance holds the limit where it is; fewer let the
 *       latency rules below decide, so the limit probes upward only while overload is rare. Against a rare, steady signal
 *       this balances the growth of the clean windows well above the floor; against conflicts that rise with
 *       concurrency (SERIALIZABLE on hot rows) it settles where few windows see one, so that a transaction
 *       seldom fails twice in a row.
 *   <li><b>Queueing</b> (smoothed latency above {@code baseline × (1 + tolerance)}): shrink towards the limit at
 *       which latency would sit at that line, again by at most {@code decreaseFactor}.
 *   <li><b>Headroom</b> (latency below {@code baseline × (1 + tolerance / 2)} and the limit was reached in the
 *       window): grow by one. An unused limit never grows, so light load cannot inflate it.
 * </ol>
 *
 * <p>Why it neither creeps nor collapses: the baseline is the lowest window latency seen, and it only ever moves
 * down. Netflix's Gradient2 averages its long-term latency, which under sustained queueing rises to meet the
 * short-term one, so the gradient reads "no queue" and the limit creeps upward; a minimum cannot be dragged up by
 * the queue it is meant to detect. The one way up is explicit: when the limit has fallen to {@code minLimit} and
 * latency is still over the line, the queue cannot be ours (at the floor there is almost none), so the downstream
 * itself got slower and the baseline is re-learnt from the current latency. Every step is bounded, and the limit
 * always stays within {@code minLimit..maxLimit}.
 */
public final class LimitEstimator {

    /** Weight of a new window in the smoothed latency: reacts within two or three windows, ignores one odd window. */
    private static final double SMOOTHING = 0.5;

    private final int minLimit;
    private final int maxLimit;
    private final double decreaseFactor;
    private final double overloadTolerance;
    private final double shrinkAbove;
    private final double growBelow;

    private double limit;
    private double baselineNanos = Double.NaN;
    private double smoothedNanos = Double.NaN;

    public LimitEstimator(ConcurrencyLimitPolicy policy) {
        this.minLimit = policy.minLimit();
        this.maxLimit = policy.maxLimit();
        this.decreaseFactor = policy.decreaseFactor();
        this.overloadTolerance = policy.overloadTolerance();
        this.shrinkAbove = 1 + policy.latencyTolerance();
        this.growBelow = 1 + policy.latencyTolerance() / 2;
        this.limit = policy.initialLimit();
    }

    /**
     * Closes one window.
     *
     * @param successes calls that completed normally (their latency is in {@code latencySumNanos})
     * @param latencySumNanos the summed latency of those calls
     * @param overloads calls that reported overload
     * @param saturated whether the limit was reached (a call took the last slot, waited or was rejected)
     * @return the new limit
     */
    public int onWindow(long successes, double latencySumNanos, long overloads, boolean saturated) {
        if (successes > 0) {
            double average = Math.max(1, latencySumNanos / successes);
            smoothedNanos = Double.isNaN(smoothedNanos) ? average : smoothedNanos + SMOOTHING * (average - smoothedNanos);
            if (Double.isNaN(baselineNanos) || average < baselineNanos) {
                baselineNanos = average;
            }
        }
        double ratio = Double.isNaN(baselineNanos) ? 1 : smoothedNanos / baselineNanos;
        double overloadShare = overloads == 0 ? 0 : (double) overloads / (overloads + Math.max(0, successes));
        if (overloadShare > overloadTolerance) {
            limit = Math.max(minLimit, limit * Math.max(decreaseFactor, 1 - (overloadShare - overloadTolerance)));
        } else if (overloadShare > overloadTolerance / 2) {
            return current(); // tolerated, but too many to probe for more: hold
        } else if (ratio > shrinkAbove) {
            limit = Math.max(minLimit, limit * Math.max(decreaseFactor, shrinkAbove / ratio));
            if (current() <= minLimit) {
                baselineNanos = smoothedNanos; // at the floor the queue is not ours: the downstream got slower
            }
        } else if (ratio < growBelow && saturated) {
            limit = Math.min(maxLimit, limit + 1);
        }
        return current();
    }

    /**
     * The limit as a whole number of calls, within the policy's bounds: rounded down, so that at a small limit one
     * decrease takes effect at once (1.8 calls means 1, not 2) while the fraction still counts towards the next step.
     */
    public int current() {
        return (int) Math.max(minLimit, Math.min(maxLimit, Math.floor(limit + 1e-9)));
    }

    /** The no-load latency estimate in nanoseconds, or NaN before the first window with a success. */
    public double baselineNanos() {
        return baselineNanos;
    }

    /** The smoothed recent latency in nanoseconds, or NaN before the first window with a success. */
    public double smoothedNanos() {
        return smoothedNanos;
    }
}
