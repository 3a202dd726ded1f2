package dev.endure.server.config;

import dev.endure.config.ConfigError;
import dev.endure.delivery.DeliveryPolicy;
import java.util.List;

/** Builds the worker's {@link DeliveryPolicy} from the {@code policy.*} settings ({@code worker.lease} goes to the worker). */
public final class DeliveryPolicies {

    private DeliveryPolicies() {}

    /** @throws ConfigException naming the keys when the combination is invalid (e.g. a cap below the initial delay) */
    public static DeliveryPolicy from(ServerConfig config) {
        List<ConfigError> problems = ServerConfigChecks.problems(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(ConfigError::message).toList());
        }
        return ServerConfigChecks.policy(config);
    }
}
