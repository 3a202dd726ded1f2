package dev.endure.limit;

import dev.endure.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How many calls a {@link ConcurrencyLimit} lets run at once: an immutable value whose builder validates on
 * {@link Builder#build()} and names the offending field.
 *
 * <ul>
 *   <li><b>Fixed</b> ({@link #fixed}): a bulkhead. At most {@code maxConcurrent} calls in flight; a caller waits
 *       up to {@code maxWait} for a slot (FIFO), then is rejected with {@link ConcurrencyLimitExceededException}.
 *       Use it when you know the capacity (a pool of 10 workers, a licence for 4 sessions).
 *   <li><b>Adaptive</b> ({@link #adaptive}): the limit moves between {@code minLimit} and {@code maxLimit}. It
 *       shrinks when calls report overload (a serialization failure, a 429/503, a timeout: every retryable
 *       outcome; the more of them, the more it shrinks) or when their latency rises past {@code latencyTolerance} above the no-load baseline, and grows
 *       by one per window while latency stays near the baseline and the limit is actually used. Use it when the
 *       capacity is unknown or moves (a shared database, a receiver that throttles).
 * </ul>
 *
 * <pre>{@code
 * ConcurrencyLimitPolicy db = ConcurrencyLimitPolicy.adaptive("orders-db").maxWait(Duration.ofSeconds(5)).build();
 * ConcurrencyLimitPolicy licence = ConcurrencyLimitPolicy.fixed("ocr", 4).build();
 * }</pre>
 */
public final class ConcurrencyLimitPolicy {

    /** Whether the limit is configured or measured. */
    public enum Mode {
        FIXED, ADAPTIVE
    }

    public static final int DEFAULT_INITIAL_LIMIT = 8;
    public static final int DEFAULT_MIN_LIMIT = 1;
    public static final int DEFAULT_MAX_LIMIT = 200;
    public static final double DEFAULT_LATENCY_TOLERANCE = 0.5;
    public static final double DEFAULT_DECREASE_FACTOR = 0.9;
    public static final double DEFAULT_OVERLOAD_TOLERANCE = 0.0;
    public static final int DEFAULT_MIN_WINDOW_SAMPLES = 16;
    /** The highest adaptive limit (and window) accepted; a window's latency sum is sized for it. */
    public static final int MAX_ADAPTIVE_LIMIT = 10_000;
    /** The highest fixed limit accepted (an exclusive call counts as more than any limit). */
    public static final int MAX_FIXED_LIMIT = 1_000_000;

    private final String name;
    private final Mode mode;
    private final int initialLimit;
    private final int minLimit;
    private final int maxLimit;
    private final Duration maxWait;
    private final double latencyTolerance;
    private final double decreaseFactor;
    private final double overloadTolerance;
    private final int minWindowSamples;

    private ConcurrencyLimitPolicy(Builder builder) {
        this.name = builder.name;
        this.mode = builder.mode;
        this.initialLimit = builder.initialLimit;
        this.minLimit = builder.mode == Mode.FIXED ? builder.initialLimit : builder.minLimit;
        this.maxLimit = builder.mode == Mode.FIXED ? builder.initialLimit : builder.maxLimit;
        this.maxWait = builder.maxWait;
        this.latencyTolerance = builder.latencyTolerance;
        this.decreaseFactor = builder.decreaseFactor;
        this.overloadTolerance = builder.overloadTolerance;
        this.minWindowSamples = builder.minWindowSamples;
    }

    /** A bulkhead of {@code maxConcurrent} calls; callers do not wait unless {@link Builder#maxWait} says so. */
    public static Builder fixed(String name, int maxConcurrent) {
        return new Builder(name, Mode.FIXED).initialLimit(maxConcurrent);
    }

    /** An adaptive limit starting at {@value #DEFAULT_INITIAL_LIMIT}, between 1 and {@value #DEFAULT_MAX_LIMIT}. */
    public static Builder adaptive(String name) {
        return new Builder(name, Mode.ADAPTIVE);
    }

    public Builder toBuilder() {
        Builder builder = new Builder(name, mode).initialLimit(initialLimit).maxWait(maxWait);
        if (mode == Mode.ADAPTIVE) {
            builder.minLimit(minLimit).maxLimit(maxLimit).latencyTolerance(latencyTolerance).decreaseFactor(decreaseFactor)
                    .overloadTolerance(overloadTolerance).minWindowSamples(minWindowSamples);
        }
        return builder;
    }

    /** This policy under another name, e.g. one per host or endpoint. */
    public ConcurrencyLimitPolicy withName(String name) {
        return toBuilder().name(name).build();
    }

    public String name() {
        return name;
    }

    public Mode mode() {
        return mode;
    }

    public boolean isAdaptive() {
        return mode == Mode.ADAPTIVE;
    }

    /** The limit at the start; for a fixed policy, the limit. */
    public int initialLimit() {
        return initialLimit;
    }

    /** The adaptive limit never goes below this (so it cannot collapse to nothing); equal to the limit when fixed. */
    public int minLimit() {
        return minLimit;
    }

    /** The adaptive limit never goes above this (so it cannot creep without end); equal to the limit when fixed. */
    public int maxLimit() {
        return maxLimit;
    }

    /** How long a caller waits for a slot before it is rejected; zero rejects at once. */
    public Duration maxWait() {
        return maxWait;
    }

    /**
     * How far the smoothed latency may rise above the no-load baseline, as a fraction: the limit shrinks above
     * {@code baseline × (1 + tolerance)} and grows only below {@code baseline × (1 + tolerance / 2)}.
     */
    public double latencyTolerance() {
        return latencyTolerance;
    }

    /**
     * The most a window that saw overload or queueing can cut the limit by: 0.9, by at most 10 %. Overload cuts in
     * proportion to the window's share of it above {@link #overloadTolerance()} (5 points over: 5 %), up to this.
     */
    public double decreaseFactor() {
        return decreaseFactor;
    }

    /**
     * The share of a window's calls that may report overload before the limit shrinks (0: any one does). Between
     * zero and the tolerance the limit holds: it neither shrinks nor grows. A database whose conflicts rise with
     * concurrency peaks in goodput while a few transactions conflict; a tolerance of a few percent lets the limit
     * sit there, and a retry absorbs the conflicts.
     */
    public double overloadTolerance() {
        return overloadTolerance;
    }

    /** A window closes after this many completed calls or the limit's worth of them, whichever is more. */
    public int minWindowSamples() {
        return minWindowSamples;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConcurrencyLimitPolicy that && name.equals(that.name) && mode == that.mode
                && initialLimit == that.initialLimit && minLimit == that.minLimit && maxLimit == that.maxLimit
                && maxWait.equals(that.maxWait) && latencyTolerance == that.latencyTolerance
                && decreaseFactor == that.decreaseFactor && overloadTolerance == that.overloadTolerance
                && minWindowSamples == that.minWindowSamples;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mode, initialLimit, minLimit, maxLimit, maxWait, latencyTolerance, decreaseFactor, overloadTolerance,
                minWindowSamples);
    }

    @Override
    public String toString() {
        String wait = maxWait.isZero() ? "no wait" : "maxWait " + Durations.describe(maxWait);
        if (mode == Mode.FIXED) {
            return "ConcurrencyLimitPolicy[" + name + ": fixed " + initialLimit + ", " + wait + "]";
        }
        return String.format(Locale.ROOT, "ConcurrencyLimitPolicy[%s: adaptive %d..%d from %d, latency tolerance %.2f,"
                + " decrease ×%.2f, overload tolerance %.2f, windows of %d+, %s]", name, minLimit, maxLimit, initialLimit,
                latencyTolerance, decreaseFactor, overloadTolerance, minWindowSamples, wait);
    }

    /** Builds a {@link ConcurrencyLimitPolicy}; {@link #build()} validates. */
    public static final class Builder {
        private String name;
        private final Mode mode;
        private int initialLimit = DEFAULT_INITIAL_LIMIT;
        private int minLimit = DEFAULT_MIN_LIMIT;
        private int maxLimit = DEFAULT_MAX_LIMIT;
        private Duration maxWait = Duration.ZERO;
        private double latencyTolerance = DEFAULT_LATENCY_TOLERANCE;
        private double decreaseFactor = DEFAULT_DECREASE_FACTOR;
        private double overloadTolerance = DEFAULT_OVERLOAD_TOLERANCE;
        private int minWindowSamples = DEFAULT_MIN_WINDOW_SAMPLES;

        private Builder(String name, Mode mode) {
            this.name = name;
            this.mode = mode;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Adaptive: where the limit starts. Fixed: the limit (also set by {@link #fixed}). */
        public Builder initialLimit(int initialLimit) {
            this.initialLimit = initialLimit;
            return this;
        }

        public Builder minLimit(int minLimit) {
            requireAdaptive("minLimit");
            this.minLimit = minLimit;
            return this;
        }

        public Builder maxLimit(int maxLimit) {
            requireAdaptive("maxLimit");
            this.maxLimit = maxLimit;
            return this;
        }

        public Builder maxWait(Duration maxWait) {
            this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
            return this;
        }

        public Builder latencyTolerance(double latencyTolerance) {
            requireAdaptive("latencyTolerance");
            this.latencyTolerance = latencyTolerance;
            return this;
        }

        public Builder decreaseFactor(double decreaseFactor) {
            requireAdaptive("decreaseFactor");
            this.decreaseFactor = decreaseFactor;
            return this;
        }

        public Builder overloadTolerance(double overloadTolerance) {
            requireAdaptive("overloadTolerance");
            this.overloadTolerance = overloadTolerance;
            return this;
        }

        public Builder minWindowSamples(int minWindowSamples) {
            requireAdaptive("minWindowSamples");
            this.minWindowSamples = minWindowSamples;
            return this;
        }

        public ConcurrencyLimitPolicy build() {
            require(name != null && !name.isBlank(), "name must not be blank");
            String where = " in concurrency limit '" + name + "'";
            String limitField = mode == Mode.FIXED ? "maxConcurrent" : "initialLimit";
            require(initialLimit >= 1, limitField + " must be at least 1 (was " + initialLimit + ")" + where);
            require(initialLimit <= MAX_FIXED_LIMIT, limitField + " must be at most " + MAX_FIXED_LIMIT + " (was " + initialLimit + ")" + where);
            require(!maxWait.isNegative(), "maxWait must not be negative (was " + maxWait + ")" + where);
            if (mode == Mode.ADAPTIVE) {
                require(minLimit >= 1, "minLimit must be at least 1 (was " + minLimit + ")" + where);
                require(maxLimit >= minLimit, "maxLimit must be at least minLimit " + minLimit + " (was " + maxLimit + ")" + where);
                require(maxLimit <= MAX_ADAPTIVE_LIMIT, "maxLimit must be at most " + MAX_ADAPTIVE_LIMIT + " (was " + maxLimit + ")" + where);
                require(initialLimit >= minLimit && initialLimit <= maxLimit, "initialLimit must lie in minLimit..maxLimit "
                        + minLimit + ".." + maxLimit + " (was " + initialLimit + ")" + where);
                require(latencyTolerance > 0 && latencyTolerance <= 10, "latencyTolerance must be in (0, 10] (was "
                        + latencyTolerance + ")" + where);
                require(decreaseFactor >= 0.5 && decreaseFactor < 1, "decreaseFactor must be in [0.5, 1) (was "
                        + decreaseFactor + ")" + where);
                require(overloadTolerance >= 0 && overloadTolerance < 0.5, "overloadTolerance must be in [0, 0.5) (was "
                        + overloadTolerance + ")" + where);
                require(minWindowSamples >= 1 && minWindowSamples <= MAX_ADAPTIVE_LIMIT, "minWindowSamples must be in 1.."
                        + MAX_ADAPTIVE_LIMIT + " (was " + minWindowSamples + ")" + where);
            }
            return new ConcurrencyLimitPolicy(this);
        }

        private void requireAdaptive(String field) {
            if (mode != Mode.ADAPTIVE) {
                throw new IllegalStateException(field + " applies to an adaptive limit; concurrency limit '" + name
                        + "' is fixed (build it with ConcurrencyLimitPolicy.adaptive)");
            }
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
