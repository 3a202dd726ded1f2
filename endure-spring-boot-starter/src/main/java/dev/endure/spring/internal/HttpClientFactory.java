package dev.endure.spring.internal;

import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.config.DurationText;
import dev.endure.config.EndureConfig;
import dev.endure.config.PolicyConfig;
import dev.endure.http.ResilientHttpClient;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryListener;
import dev.endure.retry.RetryPolicy;
import dev.endure.spring.EndureConfigurationException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Builds the client of {@code endure.http.clients.<name>} from the named policy: its attempts, backoff,
 * max duration, max retry-after and attempt timeout, and a breaker and a budget per host made from the
 * policy's breaker and budget and kept in the registry.
 */
public final class HttpClientFactory {

    private static final Set<String> KEYS = Set.of("policy", "connectTimeout");

    private HttpClientFactory() {}

    public static ResilientHttpClient create(String name, Environment environment, EndureConfig config,
            ResilienceRegistry registry, List<RetryListener> listeners) {
        String path = "endure.http.clients." + name;
        Map<String, Object> settings = Binder.get(environment).bind(path, Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
        List<String> problems = new ArrayList<>();
        settings.keySet().stream().filter(key -> !KEYS.contains(key)).sorted()
                .forEach(key -> problems.add(path + "." + key + ": unknown key (known: connectTimeout, policy)"));
        Object policyName = settings.get("policy");
        PolicyConfig policy = null;
        if (!(policyName instanceof String text) || text.isBlank()) {
            problems.add(path + ".policy: is required: the name of an entry of endure.policies");
        } else {
            try {
                policy = config.policy(text);
            } catch (NoSuchElementException unknown) {
                problems.add(path + ".policy: " + unknown.getMessage());
            }
        }
        Duration connectTimeout = null;
        if (settings.get("connectTimeout") != null) {
            try {
                connectTimeout = DurationText.parse(settings.get("connectTimeout").toString());
            } catch (IllegalArgumentException invalid) {
                problems.add(path + ".connectTimeout: " + invalid.getMessage() + " (was " + settings.get("connectTimeout") + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new EndureConfigurationException(problems, null);
        }
        HttpClient.Builder delegate = HttpClient.newBuilder();
        if (connectTimeout != null) {
            delegate.connectTimeout(connectTimeout);
        }
        RetryPolicy<Object> retry = policy.retryPolicy();
        ResilientHttpClient.Builder builder = ResilientHttpClient.builder(delegate.build())
                .name(name)
                .maxAttempts(retry.maxAttempts())
                .backoff(retry.backoff())
                .maxRetryAfter(retry.maxRetryAfter())
                .clock(registry.clock())
                .scheduler(registry.scheduler());
        retry.maxDuration().ifPresent(builder::maxDuration);
        policy.attemptTimeout().ifPresent(builder::attemptTimeout);
        if (policy.breaker().isPresent()) {
            CircuitBreakerPolicy breaker = config.breaker(policy.breaker().get());
            builder.circuitBreakerPerHost(host -> registry.circuitBreaker(breaker.toBuilder().name(name + "@" + host).build()));
        }
        if (policy.budget().isPresent()) {
            RetryBudgetPolicy budget = config.budget(policy.budget().get());
            builder.retryGatePerHost(host -> registry.retryBudget(budget.toBuilder().name(name + "@" + host).build()));
        }
        listeners.forEach(builder::listener);
        return builder.build();
    }
}
