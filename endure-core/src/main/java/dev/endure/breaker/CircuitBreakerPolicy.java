package dev.endure.breaker;

import dev.endure.Classifier;
import dev.endure.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When a {@link CircuitBreaker} opens, how long it stays open and how it tests recovery: an immutable,
 * thread-safe value whose builder validates on {@link Builder#build()} and names the offending field.
 *
 * <pre>{@code
 * CircuitBreakerPolicy policy = CircuitBreakerPolicy.builder()
 *     .name("billing")
 *     .consecutiveFailures(5)                                   // trip after 5 failures in a row, or
 *     .slidingWindow(SlidingWindow.countBased(100))             // when over the last 100 calls
 *     .failureRateThreshold(0.5).minimumCalls(20)               // at least half of 20+ calls failed
 *     .openDuration(Duration.ofSeconds(10))                     // first open: 10 s,
 *     .openDurationMultiplier(2.0).maxOpenDuration(Duration.ofMinutes(5)) // then 20 s, 40 s … 5 min
 *     .build();
 * }</pre>
 *
 * <p>Seed 002's adaptive timeout: each failed half-open trial reopens the breaker for
 * {@code openDuration × openDurationMultiplier^step} (capped at {@code maxOpenDuration}), where the step
 * counts the trials that failed since the breaker last closed.
 */
public final class CircuitBreakerPolicy {

    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
    public static final int DEFAULT_MINIMUM_CALLS = 10;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(10);
    public static final double DEFAULT_OPEN_DURATION_MULTIPLIER = 2.0;
    public static final Duration DEFAULT_MAX_OPEN_DURATION = Duration.ofMinutes(5);
    public static final int DEFAULT_HALF_OPEN_MAX_TRIALS = 1;
    public static final int DEFAULT_HALF_OPEN_SUCCESSES = 2;

    private final String name;
    private final int consecutiveFailures;
    private final SlidingWindow slidingWindow;
    private final double failureRateThreshold;
    private final int minimumCalls;
    private final Duration slowCallThreshold;
    private final Duration openDuration;
    private final double openDurationMultiplier;
    private final Duration maxOpenDuration;
    private final int halfOpenMaxTrials;
    private final int halfOpenSuccesses;
    private final Classifier<Object> classifier;

    private CircuitBreakerPolicy(Builder builder) {
        this.name = builder.name;
        this.consecutiveFailures = builder.consecutiveFailures;
        this.slidingWindow = builder.slidingWindow;
        this.failureRateThreshold = builder.failureRateThreshold;
        this.minimumCalls = builder.minimumCalls;
        this.slowCallThreshold = builder.slowCallThreshold;
        this.openDuration = builder.openDuration;
        this.openDurationMultiplier = builder.openDurationMultiplier;
        this.maxOpenDuration = builder.maxOpenDuration;
        this.halfOpenMaxTrials = builder.halfOpenMaxTrials;
        this.halfOpenSuccesses = builder.halfOpenSuccesses;
        this.classifier = builder.classifier;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults under another name: trip on 5 consecutive failures, open 10 s growing ×2 up to 5 min. */
    public static CircuitBreakerPolicy named(String name) {
        return builder().name(name).build();
    }

    /** A builder that starts from this policy's values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.name = name;
        builder.consecutiveFailures = consecutiveFailures;
        builder.slidingWindow = slidingWindow;
        builder.failureRateThreshold = failureRateThreshold;
        builder.minimumCalls = minimumCalls;
        builder.slowCallThreshold = slowCallThreshold;
        builder.openDuration = openDuration;
        builder.openDurationMultiplier = openDurationMultiplier;
        builder.maxOpenDuration = maxOpenDuration;
        builder.halfOpenMaxTrials = halfOpenMaxTrials;
        builder.halfOpenSuccesses = halfOpenSuccesses;
        builder.classifier = classifier;
        return builder;
    }

    public String name() {
        return name;
    }

    /** Failures in a row that open the breaker; 0 when only the failure rate decides. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** The window the failure rate is computed over; empty when only consecutive failures decide. */
    public Optional<SlidingWindow> slidingWindow() {
        return Optional.ofNullable(slidingWindow);
    }

    /** The failure rate (a fraction, 0.5 = 50 %) at or above which the breaker opens. */
    public double failureRateThreshold() {
        return failureRateThreshold;
    }

    /** Calls the window must hold before its failure rate can open the breaker. */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** A successful call slower than this counts as a failure; empty if speed does not matter. */
    public Optional<Duration> slowCallThreshold() {
        return Optional.ofNullable(slowCallThreshold);
    }

    /** How long the breaker stays open the first time. */
    public Duration openDuration() {
        return openDuration;
    }

    /** The factor the open duration grows by each time a half-open trial fails. */
    public double openDurationMultiplier() {
        return openDurationMultiplier;
    }

    /** The cap of the growing open duration. */
    public Duration maxOpenDuration() {
        return maxOpenDuration;
    }

    /** Trial calls admitted at the same time in HALF_OPEN. */
    public int halfOpenMaxTrials() {
        return halfOpenMaxTrials;
    }

    /** Successful trials that close the breaker. */
    public int halfOpenSuccesses() {
        return halfOpenSuccesses;
    }

    /**
     * The classifier that decides which outcomes are failures ({@link dev.endure.Verdict#isFailure()}).
     * Empty means: inside a {@code Pipeline}, the retry policy's classifier; on its own, every exception
     * is a failure and every result a success.
     */
    public Optional<Classifier<Object>> classifier() {
        return Optional.ofNullable(classifier);
    }

    /**
     * The open duration after {@code step} failed half-open trials since the breaker last closed:
     * {@code openDuration × multiplier^step}, capped at {@link #maxOpenDuration()}.
     */
    public Duration openDurationAtStep(int step) {
        if (step <= 0) {
            return openDuration;
        }
        double nanos = openDuration.toNanos() * Math.pow(openDurationMultiplier, step);
        long cap = maxOpenDuration.toNanos();
        return nanos >= cap || Double.isNaN(nanos) ? maxOpenDuration : Duration.ofNanos((long) nanos);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CircuitBreakerPolicy that
                && name.equals(that.name)
                && consecutiveFailures == that.consecutiveFailures
                && Objects.equals(slidingWindow, that.slidingWindow)
                && Double.compare(failureRateThreshold, that.failureRateThreshold) == 0
                && minimumCalls == that.minimumCalls
                && Objects.equals(slowCallThreshold, that.slowCallThreshold)
                && openDuration.equals(that.openDuration)
                && Double.compare(openDurationMultiplier, that.openDurationMultiplier) == 0
                && maxOpenDuration.equals(that.maxOpenDuration)
                && halfOpenMaxTrials == that.halfOpenMaxTrials
                && halfOpenSuccesses == that.halfOpenSuccesses
                && Objects.equals(classifier, that.classifier);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, consecutiveFailures, slidingWindow, failureRateThreshold, minimumCalls, slowCallThreshold,
                openDuration, openDurationMultiplier, maxOpenDuration, halfOpenMaxTrials, halfOpenSuccesses, classifier);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("CircuitBreakerPolicy[").append(name).append(": opens on ");
        if (consecutiveFailures > 0) {
            text.append(consecutiveFailures).append(" consecutive failures");
        }
        if (slidingWindow != null) {
            text.append(consecutiveFailures > 0 ? " or " : "").append(Math.round(failureRateThreshold * 100))
                    .append(" % failures over the ").append(slidingWindow).append(" (at least ").append(minimumCalls)
                    .append(" calls)");
        }
        if (slowCallThreshold != null) {
            text.append(", calls slower than ").append(Durations.describe(slowCallThreshold)).append(" fail");
        }
        return text.append("; open ").append(Durations.describe(openDuration)).append(" ×").append(openDurationMultiplier)
                .append(" up to ").append(Durations.describe(maxOpenDuration)).append("; half-open: ")
                .append(halfOpenMaxTrials).append(" trials at a time, ").append(halfOpenSuccesses)
                .append(" successes close]").toString();
    }

    /** Builds a {@link CircuitBreakerPolicy}; {@link #build()} validates and names the offending field. */
    public static final class Builder {
        private String name = "default";
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private SlidingWindow slidingWindow;
        private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration slowCallThreshold;
        private Duration openDuration = DEFAULT_OPEN_DURATION;
        private double openDurationMultiplier = DEFAULT_OPEN_DURATION_MULTIPLIER;
        private Duration maxOpenDuration = DEFAULT_MAX_OPEN_DURATION;
        private int halfOpenMaxTrials = DEFAULT_HALF_OPEN_MAX_TRIALS;
        private int halfOpenSuccesses = DEFAULT_HALF_OPEN_SUCCESSES;
        private Classifier<Object> classifier;

        private Builder() {}

        /** The name used in events, errors, stores and the registry. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Open after this many failures in a row (default 5); 0 turns the rule off. */
        public Builder consecutiveFailures(int consecutiveFailures) {
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        /** Also open on the failure rate over this window; null (the default) turns the rule off. */
        public Builder slidingWindow(SlidingWindow slidingWindow) {
            this.slidingWindow = slidingWindow;
            return this;
        }

        /** The failure rate, a fraction in (0, 1], that opens the breaker (default 0.5). */
        public Builder failureRateThreshold(double failureRateThreshold) {
            this.failureRateThreshold = failureRateThreshold;
            return this;
        }

        /** Calls the window must hold before its rate counts (default 10). */
        public Builder minimumCalls(int minimumCalls) {
            this.minimumCalls = minimumCalls;
            return this;
        }

        /** Successful calls slower than this count as failures; null (the default) for none. */
        public Builder slowCallThreshold(Duration slowCallThreshold) {
            this.slowCallThreshold = slowCallThreshold;
            return this;
        }

        /** The first open duration (default 10 s). */
        public Builder openDuration(Duration openDuration) {
            this.openDuration = openDuration;
            return this;
        }

        /** The growth factor per failed half-open trial, at least 1 (default 2; 1 keeps it fixed). */
        public Builder openDurationMultiplier(double openDurationMultiplier) {
            this.openDurationMultiplier = openDurationMultiplier;
            return this;
        }

        /** The cap of the open duration (default 5 min). */
        public Builder maxOpenDuration(Duration maxOpenDuration) {
            this.maxOpenDuration = maxOpenDuration;
            return this;
        }

        /** Trial calls admitted at the same time in HALF_OPEN (default 1). */
        public Builder halfOpenMaxTrials(int halfOpenMaxTrials) {
            this.halfOpenMaxTrials = halfOpenMaxTrials;
            return this;
        }

        /** Successful trials needed to close (default 2). */
        public Builder halfOpenSuccesses(int halfOpenSuccesses) {
            this.halfOpenSuccesses = halfOpenSuccesses;
            return this;
        }

        /** Which outcomes are failures; see {@link CircuitBreakerPolicy#classifier()}. Null for the default. */
        @SuppressWarnings("unchecked")
        public Builder classifier(Classifier<?> classifier) {
            this.classifier = (Classifier<Object>) classifier;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the field, its value and the rule it breaks
         */
        public CircuitBreakerPolicy build() {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            if (consecutiveFailures < 0) {
                throw invalid("consecutiveFailures must not be negative (was " + consecutiveFailures + ")");
            }
            if (consecutiveFailures == 0 && slidingWindow == null) {
                throw invalid("can never open: set consecutiveFailures above 0 or a slidingWindow");
            }
            if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
                throw invalid("failureRateThreshold must be a fraction above 0 and at most 1, e.g. 0.5 for 50 % (was "
                        + failureRateThreshold + ")");
            }
            if (minimumCalls < 1) {
                throw invalid("minimumCalls must be at least 1 (was " + minimumCalls + ")");
            }
            if (slidingWindow != null && slidingWindow.kind() == SlidingWindow.Kind.COUNT_BASED
                    && minimumCalls > slidingWindow.calls()) {
                throw invalid("minimumCalls (" + minimumCalls + ") must not exceed the count-based slidingWindow ("
                        + slidingWindow.calls() + " calls), or the failure rate could never open the breaker");
            }
            if (slowCallThreshold != null && (slowCallThreshold.isNegative() || slowCallThreshold.isZero())) {
                throw invalid("slowCallThreshold must be positive (was " + slowCallThreshold + ")");
            }
            Objects.requireNonNull(openDuration, "openDuration");
            if (openDuration.isNegative() || openDuration.isZero()) {
                throw invalid("openDuration must be positive (was " + openDuration + ")");
            }
            if (!(openDurationMultiplier >= 1) || Double.isInfinite(openDurationMultiplier)) {
                throw invalid("openDurationMultiplier must be at least 1 (was " + openDurationMultiplier + ")");
            }
            Objects.requireNonNull(maxOpenDuration, "maxOpenDuration");
            if (maxOpenDuration.compareTo(openDuration) < 0) {
                throw invalid("maxOpenDuration (" + maxOpenDuration + ") must not be shorter than openDuration ("
                        + openDuration + ")");
            }
            if (halfOpenMaxTrials < 1) {
                throw invalid("halfOpenMaxTrials must be at least 1 (was " + halfOpenMaxTrials + ")");
            }
            if (halfOpenSuccesses < 1) {
                throw invalid("halfOpenSuccesses must be at least 1 (was " + halfOpenSuccesses + ")");
            }
            return new CircuitBreakerPolicy(this);
        }

        private IllegalArgumentException invalid(String message) {
            return new IllegalArgumentException(message + " in circuit breaker '" + name + "'");
        }
    }
}
