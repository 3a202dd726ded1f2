package dev.endure.retry;

import dev.endure.Classifier;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What to retry, how often, how long and how far apart: an immutable, thread-safe value. Run calls
 * under it with a {@link Retrier}.
 *
 * <pre>{@code
 * RetryPolicy<Void> policy = RetryPolicy.<Void>builder()
 *     .name("reserve-units")
 *     .maxAttempts(5)
 *     .backoff(Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160))
 *                     .withJitter(Jitter.proportional(0.10)))
 *     .retryOn(SerializationFailure.class)
 *     .build();
 * }</pre>
 *
 * @param <T> the result type of the calls it governs
 */
public final class RetryPolicy<T> {

    /** Defaults: 3 attempts, exponential 100 ms ×2 capped at 10 s with equal jitter, no max duration. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Backoff DEFAULT_BACKOFF =
            Backoff.exponential(Duration.ofMillis(100), 2.0).withCap(Duration.ofSeconds(10)).withJitter(Jitter.equal());
    /** A retry-after hint longer than this ends the loop (see {@link Builder#maxRetryAfter}). */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_SUPPRESSED = 8;

    private final String name;
    private final int maxAttempts;
    private final Duration maxDuration;
    private final Backoff backoff;
    private final Classifier<T> classifier;
    private final Duration maxRetryAfter;
    private final int maxSuppressed;
    private final boolean clampRetryAfter;
    private final RetryLimits limits;

    private RetryPolicy(Builder<T> builder, Classifier<T> classifier) {
        this.name = builder.name;
        this.maxAttempts = builder.maxAttempts;
        this.maxDuration = builder.maxDuration;
        this.backoff = builder.backoff;
        this.classifier = classifier;
        this.maxRetryAfter = builder.maxRetryAfter;
        this.maxSuppressed = builder.maxSuppressed;
        this.clampRetryAfter = builder.clampRetryAfter;
        this.limits = new RetryLimits(maxAttempts, backoff, maxRetryAfter, maxDuration, clampRetryAfter);
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** A builder that starts from this policy's values. */
    public Builder<T> toBuilder() {
        Builder<T> builder = new Builder<>();
        builder.name = name;
        builder.maxAttempts = maxAttempts;
        builder.maxDuration = maxDuration;
        builder.backoff = backoff;
        builder.classifier = classifier;
        builder.maxRetryAfter = maxRetryAfter;
        builder.maxSuppressed = maxSuppressed;
        builder.clampRetryAfter = clampRetryAfter;
        return builder;
    }

    public String name() {
        return name;
    }

    /** Attempts in all, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The wall of time from the first attempt's start after which no attempt starts; empty if none. */
    public Optional<Duration> maxDuration() {
        return Optional.ofNullable(maxDuration);
    }

    public Backoff backoff() {
        return backoff;
    }

    public Classifier<T> classifier() {
        return classifier;
    }

    /** The longest retry-after hint honoured; see {@link Builder#maxRetryAfter}. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /** Whether a hint beyond {@link #maxRetryAfter()} is cut to it instead of ending the loop. */
    public boolean clampRetryAfter() {
        return clampRetryAfter;
    }

    /** The limits {@link RetryStep#next} reads. */
    public RetryLimits limits() {
        return limits;
    }

    /** How many earlier failures the exhaustion error carries as suppressed exceptions. */
    public int maxSuppressed() {
        return maxSuppressed;
    }

    /** Equal when every setting is; classifiers compare by identity (a lambda equals only itself). */
    @Override
    public boolean equals(Object other) {
        return other instanceof RetryPolicy<?> that
                && name.equals(that.name)
                && maxAttempts == that.maxAttempts
                && Objects.equals(maxDuration, that.maxDuration)
                && backoff.equals(that.backoff)
                && classifier.equals(that.classifier)
                && maxRetryAfter.equals(that.maxRetryAfter)
                && maxSuppressed == that.maxSuppressed
                && clampRetryAfter == that.clampRetryAfter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, maxAttempts, maxDuration, backoff, classifier, maxRetryAfter, maxSuppressed, clampRetryAfter);
    }

    @Override
    public String toString() {
        return "RetryPolicy[" + name + ": " + maxAttempts + " attempts"
                + (maxDuration == null ? "" : " within " + maxDuration)
                + ", " + backoff + ", max retry-after " + maxRetryAfter + (clampRetryAfter ? " (clamped)" : "") + "]";
    }

    /** Builds a {@link RetryPolicy}; {@link #build()} validates and names the offending field. */
    public static final class Builder<T> {
        private String name = "default";
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration maxDuration;
        private Backoff backoff = DEFAULT_BACKOFF;
        private Classifier<T> classifier;
        private Classifier.Builder<T> rules;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
        private int maxSuppressed = DEFAULT_MAX_SUPPRESSED;
        private boolean clampRetryAfter;

        private Builder() {}

        /** The name used in events, stats, metrics and error messages. */
        public Builder<T> name(String name) {
            this.name = name;
            return this;
        }

        /** Attempts in all, the first included; at least 1 (1 means never retry). */
        public Builder<T> maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * No attempt starts later than this after the first one started; a retry whose delay would
         * end past it is not made. Null for none.
         */
        public Builder<T> maxDuration(Duration maxDuration) {
            this.maxDuration = maxDuration;
            return this;
        }

        public Builder<T> backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        /** The classifier; cannot be combined with {@link #retryOn} and its siblings. */
        public Builder<T> classifier(Classifier<T> classifier) {
            this.classifier = classifier;
            return this;
        }

        /** Shortcut for a classifier rule: retry failures of these types. */
        @SafeVarargs
        public final Builder<T> retryOn(Class<? extends Throwable>... types) {
            rules().retryOn(types);
            return this;
        }

        /** Shortcut for a classifier rule: fail fast on these types. */
        @SafeVarargs
        public final Builder<T> failOn(Class<? extends Throwable>... types) {
            rules().failOn(types);
            return this;
        }

        /** Shortcut for a classifier rule: retry failures matching {@code predicate}. */
        public Builder<T> retryIf(Predicate<? super Throwable> predicate) {
            rules().retryIf(predicate);
            return this;
        }

        /** Shortcut for a classifier rule: retry results matching {@code predicate}. */
        public Builder<T> retryOnResult(Predicate<? super T> predicate) {
            rules().retryOnResult(predicate);
            return this;
        }

        /**
         * The longest retry-after hint the policy waits for. Within it, a hint is a floor and the next
         * attempt never starts earlier. A longer hint ends the loop at once
         * ({@link GiveUpReason#HINT_EXCEEDS_MAX_RETRY_AFTER}, the hint in the error), so a server
         * answering {@code Retry-After: 86400} can neither park a caller for a day nor be retried before
         * it said; {@link #clampRetryAfter()} waits the cap instead.
         */
        public Builder<T> maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
            return this;
        }

        /**
         * Opt-in: a hint beyond {@link #maxRetryAfter} is cut to it and the retry is made after the cap.
         * This breaks the promise that a retry never starts before its hint: the other side asked for
         * longer. Use it only where the caller knows the server tolerates an early retry.
         */
        public Builder<T> clampRetryAfter() {
            this.clampRetryAfter = true;
            return this;
        }

        /** How many earlier failures the exhaustion error keeps as suppressed exceptions (default 8). */
        public Builder<T> maxSuppressed(int maxSuppressed) {
            this.maxSuppressed = maxSuppressed;
            return this;
        }

        private Classifier.Builder<T> rules() {
            if (rules == null) {
                rules = Classifier.builder();
            }
            return rules;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the field, its value and the rule it breaks
         * @throws IllegalStateException if both a classifier and classifier shortcuts were given
         */
        public RetryPolicy<T> build() {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1 (was " + maxAttempts + ") in retry policy '" + name + "'");
            }
            if (maxDuration != null && (maxDuration.isNegative() || maxDuration.isZero())) {
                throw new IllegalArgumentException("maxDuration must be positive (was " + maxDuration + ") in retry policy '" + name + "'");
            }
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
            if (maxRetryAfter.isNegative()) {
                throw new IllegalArgumentException("maxRetryAfter must not be negative (was " + maxRetryAfter + ") in retry policy '" + name + "'");
            }
            if (maxSuppressed < 0) {
                throw new IllegalArgumentException("maxSuppressed must not be negative (was " + maxSuppressed + ") in retry policy '" + name + "'");
            }
            if (classifier != null && rules != null) {
                throw new IllegalStateException("retry policy '" + name + "' has both classifier(...) and retryOn/failOn/retryIf/retryOnResult(...);"
                        + " put all the rules in one Classifier so none silently overrides another");
            }
            Classifier<T> chosen = classifier != null ? classifier : rules != null ? rules.build() : Classifier.retryAllExceptions();
            return new RetryPolicy<>(this, chosen);
        }
    }
}
