package dev.endure.server.config;

import dev.endure.config.ConfigError;
import dev.endure.config.DurationText;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.FailureRateRule;
import dev.endure.delivery.InvalidPolicyException;
import dev.endure.delivery.ssrf.AddressRange;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules that span several settings, checked before the server starts so that a mistake is one
 * line naming its key path, not a stack trace from deep inside the worker: the delivery policy as the
 * worker will build it, the SSRF allow-list, the listen address.
 */
final class ServerConfigChecks {

    /** An IP literal or a host name of letters, digits, '-' and '.' labels. */
    private static final Pattern HOST = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\\.?");

    private ServerConfigChecks() {}

    static List<ConfigError> problems(ServerConfig config) {
        List<ConfigError> problems = new ArrayList<>();
        if (!HOST.matcher(config.host()).matches()) {
            problems.add(problem(ConfigKey.SERVER_HOST, config.host(), "must be an IP address or a host name"));
        }
        List<String> targets = config.list(ConfigKey.DELIVERY_ALLOW_TARGETS);
        for (int i = 0; i < targets.size(); i++) {
            try {
                AddressRange.parse(targets.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigError(ConfigKey.DELIVERY_ALLOW_TARGETS.path() + "[" + i + "]", targets.get(i),
                        "must be an IP address or CIDR range such as 127.0.0.0/8, not a host name", "settings", 0, 0));
            }
        }
        policyProblem(config).ifPresent(problems::add);
        return problems;
    }

    /** The worker's policy from the {@code policy.*} settings ({@code worker.lease} is the worker's own, renewed by its heartbeat). */
    static DeliveryPolicy policy(ServerConfig config) {
        Backoff backoff = Backoff.exponential(config.duration(ConfigKey.POLICY_INITIAL), config.number(ConfigKey.POLICY_MULTIPLIER))
                .withCap(config.duration(ConfigKey.POLICY_CAP))
                .withJitter(Jitter.proportional(config.number(ConfigKey.POLICY_JITTER)))
                .withFloor(config.duration(ConfigKey.POLICY_FLOOR));
        return DeliveryPolicy.builder()
                .backoff(backoff)
                .maxDuration(config.duration(ConfigKey.POLICY_MAX_DURATION))
                .maxAttempts(config.integer(ConfigKey.POLICY_MAX_ATTEMPTS))
                .timeout(config.duration(ConfigKey.POLICY_TIMEOUT))
                .maxRetryAfter(config.duration(ConfigKey.POLICY_MAX_RETRY_AFTER))
                .failureRate(FailureRateRule.SEED_003.withMinFailureSpan(config.duration(ConfigKey.POLICY_MIN_FAILURE_SPAN)))
                .build();
    }

    private static java.util.Optional<ConfigError> policyProblem(ServerConfig config) {
        Duration initial = config.duration(ConfigKey.POLICY_INITIAL);
        Duration cap = config.duration(ConfigKey.POLICY_CAP);
        Duration floor = config.duration(ConfigKey.POLICY_FLOOR);
        if (cap.compareTo(initial) < 0) {
            return java.util.Optional.of(problem(ConfigKey.POLICY_CAP, DurationText.format(cap),
                    "must not be below policy.initial (" + DurationText.format(initial) + ")"));
        }
        if (floor.compareTo(cap) > 0) {
            return java.util.Optional.of(problem(ConfigKey.POLICY_FLOOR, DurationText.format(floor),
                    "must not be above policy.cap (" + DurationText.format(cap) + ")"));
        }
        try {
            policy(config);
            return java.util.Optional.empty();
        } catch (InvalidPolicyException e) {
            ConfigKey key = switch (e.field()) {
                case "maxRetryAfter" -> ConfigKey.POLICY_MAX_RETRY_AFTER;
                case "maxDuration" -> ConfigKey.POLICY_MAX_DURATION;
                case "maxAttempts" -> ConfigKey.POLICY_MAX_ATTEMPTS;
                default -> ConfigKey.POLICY_TIMEOUT;
            };
            return java.util.Optional.of(new ConfigError(key.path(), null, e.reason(), "settings", 0, 0));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.of(new ConfigError("policy", null, e.getMessage(), "settings", 0, 0));
        }
    }

    private static ConfigError problem(ConfigKey key, String value, String rule) {
        return new ConfigError(key.path(), key.show(value), rule, "settings", 0, 0);
    }
}
