package dev.endure.delivery;

import dev.endure.Durations;
import dev.endure.HttpStatusTable;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetryLimits;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How deliveries are retried and when endpoints are disabled. Immutable; {@link #seed003()} gives seed
 * 003's numbers: 2 min initial interval, ×2, 60 min cap, ±25 % jitter, 1 min floor, 10 h maximum
 * duration, 20 attempts, 404/410 disable the endpoint, 100 % failures over 24 h disable it, 408/429/503
 * are throttling (their Retry-After is honoured up to 60 min; a longer one ends the delivery unless
 * {@link Builder#clampRetryAfter} opts into retrying after the cap). What a status means is core's
 * {@link HttpStatusTable} ({@link #statusTable()}, equal to {@link HttpStatusTable#webhooks()} by default)
 * and the step after a failed attempt is core's {@link dev.endure.retry.RetryStep} ({@link #retryLimits()}).
 *
 * <pre>{@code
 * DeliveryPolicy policy = DeliveryPolicy.builder().maxAttempts(8).timeout(Duration.ofSeconds(10)).build();
 * }</pre>
 */
public final class DeliveryPolicy {

    private final Backoff backoff;
    private final Duration maxDuration;
    private final int maxAttempts;
    private final Duration timeout;
    private final Duration maxRetryAfter;
    private final boolean clampRetryAfter;
    private final Set<Integer> throttleStatuses;
    private final Set<Integer> disableStatuses;
    private final boolean retryClientErrors;
    private final FailureRateRule failureRate;
    private final HttpStatusTable statusTable;
    private final RetryLimits retryLimits;

    private DeliveryPolicy(Builder b) {
        this.backoff = b.backoff;
        this.maxDuration = b.maxDuration;
        this.maxAttempts = b.maxAttempts;
        this.timeout = b.timeout;
        this.maxRetryAfter = b.maxRetryAfter;
        this.clampRetryAfter = b.clampRetryAfter;
        this.throttleStatuses = Set.copyOf(b.throttleStatuses);
        this.disableStatuses = Set.copyOf(b.disableStatuses);
        this.retryClientErrors = b.retryClientErrors;
        this.failureRate = b.failureRate;
        HttpStatusTable.Builder table = HttpStatusTable.webhooks().toBuilder()
                .throttlingStatuses(throttleStatuses).disableStatuses(disableStatuses);
        java.util.stream.IntStream retried = java.util.stream.IntStream.concat(
                throttleStatuses.stream().mapToInt(Integer::intValue), java.util.stream.IntStream.rangeClosed(500, 599));
        if (retryClientErrors) {
            retried = java.util.stream.IntStream.concat(retried, java.util.stream.IntStream.rangeClosed(400, 499));
        }
        this.statusTable = table.retryStatuses(retried.distinct().toArray()).build();
        this.retryLimits = new RetryLimits(maxAttempts, backoff, maxRetryAfter, maxDuration, clampRetryAfter);
    }

    /** Seed 003's schedule and rules. */
    public static DeliveryPolicy seed003() {
        return builder().build();
    }

    /** A builder starting from seed 003's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.backoff = backoff;
        b.maxDuration = maxDuration;
        b.maxAttempts = maxAttempts;
        b.timeout = timeout;
        b.maxRetryAfter = maxRetryAfter;
        b.clampRetryAfter = clampRetryAfter;
        b.throttleStatuses = new TreeSet<>(throttleStatuses);
        b.disableStatuses = new TreeSet<>(disableStatuses);
        b.retryClientErrors = retryClientErrors;
        b.failureRate = failureRate;
        return b;
    }

    /**
     * This policy with one endpoint's overrides applied. The one check of endpoint settings: the API
     * calls it before accepting an endpoint and the worker before each send, so whatever the API
     * accepts the worker can run.
     *
     * @throws InvalidPolicyException naming the override at fault, e.g. a {@code cap} below the
     *     initial interval
     */
    public DeliveryPolicy forEndpoint(EndpointPolicy overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return this;
        }
        Builder b = toBuilder();
        if (overrides.initial() != null || overrides.multiplier() != null || overrides.cap() != null) {
            Duration initial = overrides.initial() != null ? overrides.initial() : backoff.initial();
            double multiplier = overrides.multiplier() != null ? overrides.multiplier() : backoff.multiplier();
            Duration cap = overrides.cap() != null ? overrides.cap() : backoff.cap().orElse(null);
            positive("initial", initial);
            if (cap != null) {
                positive("cap", cap);
            }
            if (!Double.isFinite(multiplier) || multiplier < 1.0) {
                throw new InvalidPolicyException("multiplier", "must be a finite number of at least 1 (was " + multiplier + ")");
            }
            if (cap != null && cap.compareTo(initial) < 0) {
                throw overrides.cap() != null
                        ? new InvalidPolicyException("cap", "must not be below initial (" + describe(initial)
                                + ") (was " + describe(cap) + ")")
                        : new InvalidPolicyException("initial", "must not be above cap (" + describe(cap)
                                + ") (was " + describe(initial) + ")");
            }
            Duration floor = backoff.floor().compareTo(initial) > 0 ? initial : backoff.floor();
            Backoff adjusted = Backoff.exponential(initial, multiplier).withJitter(backoff.jitter());
            if (cap != null) {
                adjusted = adjusted.withCap(cap);
            }
            b.backoff(adjusted.withFloor(floor));
        }
        if (overrides.maxDuration() != null) {
            b.maxDuration(overrides.maxDuration());
        }
        if (overrides.maxAttempts() != null) {
            b.maxAttempts(overrides.maxAttempts());
        }
        if (overrides.timeout() != null) {
            positive("timeout", overrides.timeout());
            b.timeout(overrides.timeout());
        }
        return b.build();
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new InvalidPolicyException(name, "must be positive (was " + value + ")");
        }
    }

    /** A duration for an error message; one too long to count in nanoseconds is shown in ISO-8601. */
    private static String describe(Duration value) {
        try {
            return Durations.describe(value);
        } catch (ArithmeticException tooLong) {
            return value.toString();
        }
    }

    public Backoff backoff() {
        return backoff;
    }

    public Duration maxDuration() {
        return maxDuration;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** The whole HTTP exchange's time limit. */
    public Duration timeout() {
        return timeout;
    }

    /** The longest Retry-After waited for; see {@link Builder#maxRetryAfter}. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    public boolean clampRetryAfter() {
        return clampRetryAfter;
    }

    /** What each status means for these deliveries: core's one table, with this policy's rows. */
    public HttpStatusTable statusTable() {
        return statusTable;
    }

    /** The limits core's {@link dev.endure.retry.RetryStep} applies to these deliveries. */
    public RetryLimits retryLimits() {
        return retryLimits;
    }

    public Set<Integer> throttleStatuses() {
        return throttleStatuses;
    }

    public Set<Integer> disableStatuses() {
        return disableStatuses;
    }

    public boolean retryClientErrors() {
        return retryClientErrors;
    }

    public FailureRateRule failureRate() {
        return failureRate;
    }

    @Override
    public String toString() {
        return "DeliveryPolicy[" + backoff + ", max " + Durations.describe(maxDuration) + " / " + maxAttempts + " attempts, timeout "
                + Durations.describe(timeout) + ", disable on " + disableStatuses + "]";
    }

    /** Builds a {@link DeliveryPolicy}; {@link #build()} validates and names the offending field. */
    public static final class Builder {
        private Backoff backoff = Backoff.exponential(Duration.ofMinutes(2), 2.0).withCap(Duration.ofMinutes(60))
                .withJitter(Jitter.proportional(0.25)).withFloor(Duration.ofMinutes(1));
        private Duration maxDuration = Duration.ofHours(10);
        private int maxAttempts = 20;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration maxRetryAfter = Duration.ofMinutes(60);
        private boolean clampRetryAfter;
        private Set<Integer> throttleStatuses = new TreeSet<>(Set.of(408, 429, 503));
        private Set<Integer> disableStatuses = new TreeSet<>(Set.of(404, 410));
        private boolean retryClientErrors;
        private FailureRateRule failureRate = FailureRateRule.SEED_003;

        private Builder() {}

        public Builder backoff(Backoff value) {
            this.backoff = Objects.requireNonNull(value, "backoff");
            return this;
        }

        /** Time from a cycle's first attempt after which no further attempt starts. */
        public Builder maxDuration(Duration value) {
            this.maxDuration = Objects.requireNonNull(value, "maxDuration");
            return this;
        }

        public Builder maxAttempts(int value) {
            this.maxAttempts = value;
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = Objects.requireNonNull(value, "timeout");
            return this;
        }

        /**
         * The longest Retry-After waited for (default 60 min). Within it, the receiver's hint is a floor. A
         * longer one ends the delivery ({@code RETRY_AFTER_TOO_LONG}, naming the hint), unless
         * {@link #clampRetryAfter} opts into retrying after the cap, before the receiver allows.
         */
        public Builder maxRetryAfter(Duration value) {
            this.maxRetryAfter = Objects.requireNonNull(value, "maxRetryAfter");
            return this;
        }

        /** Opt-in: a Retry-After beyond {@link #maxRetryAfter} is cut to it; breaks the promise never to retry earlier. */
        public Builder clampRetryAfter(boolean value) {
            this.clampRetryAfter = value;
            return this;
        }

        public Builder throttleStatuses(Set<Integer> statuses) {
            this.throttleStatuses = new TreeSet<>(statuses);
            return this;
        }

        /** Statuses that disable the endpoint at once (default 404 and 410); empty to never do so. */
        public Builder disableStatuses(Set<Integer> statuses) {
            this.disableStatuses = new TreeSet<>(statuses);
            return this;
        }

        /** Retry 4xx other than the throttling ones (off by default: a 400 will not get better by itself). */
        public Builder retryClientErrors(boolean value) {
            this.retryClientErrors = value;
            return this;
        }

        public Builder failureRate(FailureRateRule value) {
            this.failureRate = Objects.requireNonNull(value, "failureRate");
            return this;
        }

        public DeliveryPolicy build() {
            if (maxAttempts < 1) {
                throw new InvalidPolicyException("maxAttempts", "must be at least 1 (was " + maxAttempts + ")");
            }
            positive("maxDuration", maxDuration);
            positive("timeout", timeout);
            positive("maxRetryAfter", maxRetryAfter);
            for (Integer status : disableStatuses) {
                if (status < 100 || status > 599 || (status >= 200 && status < 300)) {
                    throw new InvalidPolicyException("disableStatuses", "must be non-2xx HTTP statuses (was " + status + ")");
                }
            }
            for (Integer status : throttleStatuses) {
                if (status < 400 || status > 599) {
                    throw new InvalidPolicyException("throttleStatuses", "must be 4xx or 5xx (was " + status + ")");
                }
            }
            return new DeliveryPolicy(this);
        }
    }
}
