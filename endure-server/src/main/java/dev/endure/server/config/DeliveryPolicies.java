package dev.endure.server.config;

import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.FailureRateRule;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import java.util.List;

/** Builds the worker's {@link DeliveryPolicy} from the {@code policy.*} and {@code worker.lease} settings. */
public final class DeliveryPolicies {

    private DeliveryPolicies() {}

    /** @throws ConfigException naming the keys when the combination is invalid (e.g. a lease shorter than twice the timeout) */
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
                    .lease(config.duration(ConfigKey.WORKER_LEASE))
                    .retryAfterCap(config.duration(ConfigKey.POLICY_MAX_RETRY_AFTER))
                    .failureRate(FailureRateRule.SEED_003.withMinFailureSpan(config.duration(ConfigKey.POLICY_MIN_FAILURE_SPAN)))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of("policy.* / worker.lease: " + e.getMessage()));
        }
    }
}
