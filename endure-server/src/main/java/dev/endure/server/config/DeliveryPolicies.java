package dev.endure.server.config;

import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.FailureRateRule;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import java.util.List;

/** Builds the worker's {@link DeliveryPolicy} from the {@code policy.*} settings ({@code worker.lease} goes to the worker). */
public final class DeliveryPolicies {

    private DeliveryPolicies() {}

    /** @throws ConfigException naming the keys when the combination is invalid (e.g. a cap below the initial interval) */
    public static DeliveryPolicy from(ServerConfig config) {
        try {
            Backoff backoff = Backoff.exponential(config.duration(ConfigKey.POLICY_INITIAL_INTERVAL), config.number(ConfigKey.POLICY_MULTIPLIER))
                    .withCap(config.duration(ConfigKey.POLICY_MAX_INTERVAL))
                    .withJitter(Jitter.proportional(config.number(ConfigKey.POLICY_JITTER)))
                    .withFloor(config.duration(ConfigKey.POLICY_FLOOR));
            return DeliveryPolicy.builder()
                    .backoff(backoff)
                    .maxDuration(config.duration(ConfigKey.POLICY_MAX_DURATION))
                    .maxAttempts(config.integer(ConfigKey.POLICY_MAX_ATTEMPTS))
                    .timeout(config.duration(ConfigKey.POLICY_TIMEOUT))
                    .retryAfterCap(config.duration(ConfigKey.POLICY_MAX_RETRY_AFTER))
                    .failureRate(FailureRateRule.SEED_003.withMinFailureSpan(config.duration(ConfigKey.POLICY_MIN_FAILURE_SPAN)))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of("policy.*: " + e.getMessage()));
        }
    }

    /** The worker's claim lease ({@code worker.lease}), checked: at least 100 ms. */
    public static java.time.Duration workerLease(ServerConfig config) {
        java.time.Duration lease = config.duration(ConfigKey.WORKER_LEASE);
        if (lease.compareTo(java.time.Duration.ofMillis(100)) < 0) {
            throw new ConfigException(List.of("worker.lease: worker lease must be at least 100 ms (was " + dev.endure.Durations.describe(lease)
                    + ")"));
        }
        return lease;
    }
}
