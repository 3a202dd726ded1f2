package dev.endure.budget;

import dev.endure.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How many retries a {@link RetryBudget} allows: an immutable value whose builder validates on
 * {@link Builder#build()} and names the offending field.
 *
 * <p>Over any {@link #window()}, retries may number at most
 * {@code max(maxRetryRatio × calls in the window, minRetriesPerSecond × window seconds)}: the ratio keeps
 * retries from multiplying the load on a struggling downstream (a retry storm), the floor lets a quiet
 * service still retry now and then. The floor is a minimum, not an addition, so at
 * {@code minRetriesPerSecond / maxRetryRatio} calls a second and more (10 with the defaults) the load on a
 * dead downstream is at most {@code 1 + maxRetryRatio} times the calls; below that rate it is at most
 * {@code 1 + minRetriesPerSecond / calls per second} (and never more than {@code maxAttempts}).
 *
 * <p>Defaults: 10 % of calls (the SRE book's per-client figure, gRPC's retry throttling), a floor of 1
 * retry a second, a 10 s window. Finagle adds its floor (10/s) on top of 20 %, which at 7 calls a second
 * lets a dead downstream see 2.4× the calls; the defaults here keep it at 1.14×. A budget shared by
 * several instances ({@link dev.endure.budget.store.JdbcRetryBudgetStore}) applies the ratio and the floor once for all of them.
 *
 * <pre>{@code
 * RetryBudgetPolicy policy = RetryBudgetPolicy.builder()
 *     .name("billing").maxRetryRatio(0.1).minRetriesPerSecond(5).window(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 */
public final class RetryBudgetPolicy {

    public static final double DEFAULT_MAX_RETRY_RATIO = 0.1;
    public static final double DEFAULT_MIN_RETRIES_PER_SECOND = 1;
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** The highest ratio accepted: ten retries per call would no longer be a budget. */
    public static final double MAX_RATIO = 10;

    private final String name;
    private final double maxRetryRatio;
    private final double minRetriesPerSecond;
    private final Duration window;

    private RetryBudgetPolicy(Builder builder) {
        this.name = builder.name;
        this.maxRetryRatio = builder.maxRetryRatio;
        this.minRetriesPerSecond = builder.minRetriesPerSecond;
        this.window = builder.window;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults under another name. */
    public static RetryBudgetPolicy named(String name) {
        return builder().name(name).build();
    }

    public Builder toBuilder() {
        return new Builder().name(name).maxRetryRatio(maxRetryRatio).minRetriesPerSecond(minRetriesPerSecond).window(window);
    }

    public String name() {
        return name;
    }

    /** Retries allowed per call made, as a fraction: 0.1 lets retries add at most 10 % to the load. */
    public double maxRetryRatio() {
        return maxRetryRatio;
    }

    /** The floor: retries per second allowed however few calls are made (a minimum, not added to the ratio). */
    public double minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /** How long a call's deposit and a retry's withdrawal count. */
    public Duration window() {
        return window;
    }

    /** The retries the floor alone allows per window: {@code minRetriesPerSecond × window seconds}. */
    public long floorPerWindow() {
        return (long) Math.floor(minRetriesPerSecond * window.toNanos() / 1e9);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RetryBudgetPolicy that && name.equals(that.name)
                && Double.compare(maxRetryRatio, that.maxRetryRatio) == 0
                && Double.compare(minRetriesPerSecond, that.minRetriesPerSecond) == 0
                && window.equals(that.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, maxRetryRatio, minRetriesPerSecond, window);
    }

    @Override
    public String toString() {
        return "RetryBudgetPolicy[" + name + ": retries up to " + maxRetryRatio * 100 + " % of calls, at least "
                + minRetriesPerSecond + "/s, over " + Durations.describe(window) + "]";
    }

    /** Builds a {@link RetryBudgetPolicy}; {@link #build()} validates and names the offending field. */
    public static final class Builder {
        private String name = "default";
        private double maxRetryRatio = DEFAULT_MAX_RETRY_RATIO;
        private double minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
        private Duration window = DEFAULT_WINDOW;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Retries allowed per call, a fraction between 0 and {@value RetryBudgetPolicy#MAX_RATIO} (default 0.1). */
        public Builder maxRetryRatio(double maxRetryRatio) {
            this.maxRetryRatio = maxRetryRatio;
            return this;
        }

        /** Retries per second allowed however few calls are made, at least 0 (default 1). */
        public Builder minRetriesPerSecond(double minRetriesPerSecond) {
            this.minRetriesPerSecond = minRetriesPerSecond;
            return this;
        }

        /** How long deposits and withdrawals count, at least 1 s (default 10 s). */
        public Builder window(Duration window) {
            this.window = window;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the field, its value and the rule it breaks
         */
        public RetryBudgetPolicy build() {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            if (!(maxRetryRatio >= 0 && maxRetryRatio <= MAX_RATIO)) {
                throw invalid("maxRetryRatio must be between 0 and " + (int) MAX_RATIO + ", e.g. 0.2 for 20 % (was "
                        + maxRetryRatio + ")");
            }
            if (!(minRetriesPerSecond >= 0) || Double.isInfinite(minRetriesPerSecond)) {
                throw invalid("minRetriesPerSecond must be a finite number of at least 0 (was " + minRetriesPerSecond + ")");
            }
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0) {
                throw invalid("window must be at least 1 s (was " + window + ")");
            }
            if (maxRetryRatio == 0 && minRetriesPerSecond * window.toNanos() / 1e9 < 1) {
                throw invalid("never allows a retry: maxRetryRatio is 0 and minRetriesPerSecond (" + minRetriesPerSecond
                        + ") allows less than one retry per window; use maxAttempts(1) to turn retries off");
            }
            return new RetryBudgetPolicy(this);
        }

        private IllegalArgumentException invalid(String message) {
            return new IllegalArgumentException(message + " in retry budget '" + name + "'");
        }
    }
}
