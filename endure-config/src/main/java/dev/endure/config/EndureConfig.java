package dev.endure.config;

import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.config.internal.Suggestions;
import dev.endure.pipeline.Pipeline;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryPolicy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * A loaded, validated configuration: named retry policies, circuit breakers and retry budgets. Get one
 * from {@link ConfigLoader}; immutable and safe to share.
 *
 * <pre>{@code
 * EndureConfig config = ConfigLoader.load(Path.of("endure.yaml"));
 * RetryPolicy<HttpResponse<String>> billing = config.policy("billing").retryPolicy(HttpResponse::statusCode);
 * CircuitBreakerPolicy breaker = config.breaker(config.policy("billing").breaker().orElseThrow());
 * }</pre>
 */
public final class EndureConfig {

    private final String source;
    private final Map<String, PolicyConfig> policies;
    private final Map<String, CircuitBreakerPolicy> breakers;
    private final Map<String, RetryBudgetPolicy> budgets;

    EndureConfig(String source, Map<String, PolicyConfig> policies, Map<String, CircuitBreakerPolicy> breakers,
            Map<String, RetryBudgetPolicy> budgets) {
        this.source = source;
        this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        this.breakers = Collections.unmodifiableMap(new LinkedHashMap<>(breakers));
        this.budgets = Collections.unmodifiableMap(new LinkedHashMap<>(budgets));
    }

    /** Where this configuration was read from, e.g. a file name. */
    public String source() {
        return source;
    }

    /** Every policy by name, in file order. */
    public Map<String, PolicyConfig> policies() {
        return policies;
    }

    /** Every breaker by name, in file order. */
    public Map<String, CircuitBreakerPolicy> breakers() {
        return breakers;
    }

    /** Every budget by name, in file order. */
    public Map<String, RetryBudgetPolicy> budgets() {
        return budgets;
    }

    /**
     * The policy called {@code name}.
     *
     * @throws NoSuchElementException naming the closest defined policy, if one is close
     */
    public PolicyConfig policy(String name) {
        return find(policies, name, "policy");
    }

    /** The breaker called {@code name}; see {@link #policy}. */
    public CircuitBreakerPolicy breaker(String name) {
        return find(breakers, name, "breaker");
    }

    /** The budget called {@code name}; see {@link #policy}. */
    public RetryBudgetPolicy budget(String name) {
        return find(budgets, name, "budget");
    }

    /**
     * Creates every breaker and budget of this configuration in {@code registry} (get-or-create: an entry
     * of the same name and policy is reused; one with another policy is an error there).
     */
    public void registerAll(ResilienceRegistry registry) {
        breakers.values().forEach(registry::circuitBreaker);
        budgets.values().forEach(registry::retryBudget);
    }

    /**
     * The pipeline of policy {@code name} in {@code registry}, created on first use: its retry policy with
     * the exception and status rules (a result's status read by {@code statusOf}), its breaker and budget
     * from the registry (shared with every other policy naming them), and its attempt timeout.
     */
    public <T> Pipeline<T> pipeline(String name, ResilienceRegistry registry, ToIntFunction<? super T> statusOf) {
        PolicyConfig policy = policy(name);
        return pipeline(policy, registry, policy.retryPolicy(statusOf));
    }

    /** As {@link #pipeline(String, ResilienceRegistry, ToIntFunction)}, with the exception rules only. */
    public <T> Pipeline<T> pipeline(String name, ResilienceRegistry registry) {
        PolicyConfig policy = policy(name);
        return pipeline(policy, registry, policy.<T>retryPolicy());
    }

    private <T> Pipeline<T> pipeline(PolicyConfig policy, ResilienceRegistry registry, RetryPolicy<T> retryPolicy) {
        Objects.requireNonNull(registry, "registry");
        return registry.pipeline(policy.name(), () -> {
            Pipeline.Builder<T> builder = Pipeline.builder(retryPolicy).clock(registry.clock()).scheduler(registry.scheduler());
            policy.breaker().ifPresent(breaker -> builder.circuitBreaker(registry.circuitBreaker(breaker(breaker))));
            policy.budget().ifPresent(budget -> builder.retryBudget(registry.retryBudget(budget(budget))));
            policy.attemptTimeout().ifPresent(builder::attemptTimeout);
            return builder.build();
        });
    }

    private <V> V find(Map<String, V> entries, String name, String kind) {
        V found = entries.get(name);
        if (found == null) {
            throw new NoSuchElementException("no " + kind + " named '" + name + "' in " + source
                    + Suggestions.didYouMean(name, entries.keySet())
                    + (entries.isEmpty() ? " (it defines none)" : " (defined: " + String.join(", ", entries.keySet()) + ")"));
        }
        return found;
    }

    @Override
    public String toString() {
        return "EndureConfig[" + source + ": policies " + policies.keySet() + ", breakers " + breakers.keySet()
                + ", budgets " + budgets.keySet() + "]";
    }
}
