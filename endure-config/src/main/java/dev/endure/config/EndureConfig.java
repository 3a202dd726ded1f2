package dev.endure.config;

import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.budget.store.JdbcRetryBudgetStore;
import dev.endure.config.internal.Suggestions;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.pipeline.Pipeline;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryPolicy;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;

/**
 * A loaded, validated configuration: named retry policies, circuit breakers, retry budgets and concurrency limits. Get one
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
    private final Set<String> sharedBudgets;
    private final BudgetStoreSettings budgetStore;
    private final Map<String, ConcurrencyLimitPolicy> limits;

    EndureConfig(String source, Map<String, PolicyConfig> policies, Map<String, CircuitBreakerPolicy> breakers,
            Map<String, RetryBudgetPolicy> budgets, Set<String> sharedBudgets, BudgetStoreSettings budgetStore,
            Map<String, ConcurrencyLimitPolicy> limits) {
        this.source = source;
        this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        this.breakers = Collections.unmodifiableMap(new LinkedHashMap<>(breakers));
        this.budgets = Collections.unmodifiableMap(new LinkedHashMap<>(budgets));
        this.sharedBudgets = Collections.unmodifiableSet(new LinkedHashSet<>(sharedBudgets));
        this.budgetStore = Objects.requireNonNull(budgetStore, "budgetStore");
        this.limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
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

    /** The names of the budgets marked {@code shared: true}, pooled with the other instances' through the budget store. */
    public Set<String> sharedBudgets() {
        return sharedBudgets;
    }

    /** The {@code budgetStore} section (every setting at its default when the section is absent). */
    public BudgetStoreSettings budgetStoreSettings() {
        return budgetStore;
    }

    /**
     * The store the shared budgets pool through, on {@code dataSource}: give it to
     * {@code ResilienceRegistry.builder().budgetStore(...)} before {@link #registerAll} or {@link #pipeline}.
     */
    public JdbcRetryBudgetStore budgetStore(DataSource dataSource) {
        return budgetStore.create(dataSource);
    }

    /** Every concurrency limit by name, in file order. */
    public Map<String, ConcurrencyLimitPolicy> limits() {
        return limits;
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

    /** The concurrency limit called {@code name}; see {@link #policy}. */
    public ConcurrencyLimitPolicy limit(String name) {
        return find(limits, name, "limit");
    }

    /**
     * Creates every breaker, budget and concurrency limit of this configuration in {@code registry} (get-or-create: an entry
     * of the same name and policy is reused; one with another policy is an error there).
     */
    public void registerAll(ResilienceRegistry registry) {
        breakers.values().forEach(registry::circuitBreaker);
        budgets.values().forEach(budget -> retryBudget(budget, registry));
        limits.values().forEach(registry::concurrencyLimit);
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
        return assemble(policy.name(), retryPolicy, policy.breaker().orElse(null), policy.budget().orElse(null), null,
                policy.attemptTimeout().orElse(null), registry);
    }

    /**
     * A pipeline of policy {@code policyName} (or of a single attempt, when null) with the breaker and budget
     * of this configuration named here in place of the policy's own (each null for the policy's) and the
     * concurrency limit named {@code limitName} (null for none), registered
     * as {@code pipelineName} and created on first use. For callers that combine names, such as annotations:
     * a policy that names a breaker or budget may only be combined with the same one.
     *
     * @throws IllegalArgumentException if the names contradict the policy's
     * @throws NoSuchElementException if a name is not defined here
     */
    public Pipeline<Object> pipeline(String pipelineName, String policyName, String breakerName, String budgetName,
            String limitName, ResilienceRegistry registry) {
        PolicyConfig policy = policyName == null ? null : policy(policyName);
        if (policy == null && budgetName != null) {
            throw new IllegalArgumentException("budget '" + budgetName + "' needs a policy: a budget only limits retries");
        }
        String breaker = combined(policy, policy == null ? Optional.empty() : policy.breaker(), breakerName, "breaker");
        String budget = combined(policy, policy == null ? Optional.empty() : policy.budget(), budgetName, "budget");
        RetryPolicy<Object> retryPolicy = policy == null
                ? RetryPolicy.builder().name(pipelineName).maxAttempts(1).build()
                : policy.retryPolicy().toBuilder().name(pipelineName).build();
        return assemble(pipelineName, retryPolicy, breaker, budget, limitName,
                policy == null ? null : policy.attemptTimeout().orElse(null), registry);
    }

    private static String combined(PolicyConfig policy, Optional<String> ofPolicy, String named, String kind) {
        if (named != null && ofPolicy.isPresent() && !ofPolicy.get().equals(named)) {
            throw new IllegalArgumentException(kind + " '" + named + "' contradicts policy '" + policy.name() + "', which uses "
                    + kind + " '" + ofPolicy.get() + "' (policies." + policy.name() + "." + kind + "); name one of them");
        }
        return named != null ? named : ofPolicy.orElse(null);
    }

    /**
     * The one place a configured pipeline is put together: retry → limit → breaker → timeout, budget before
     * each retry.
     */
    private <T> Pipeline<T> assemble(String name, RetryPolicy<T> retryPolicy, String breaker, String budget, String limit,
            Duration attemptTimeout, ResilienceRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        CircuitBreakerPolicy breakerPolicy = breaker == null ? null : breaker(breaker);
        RetryBudgetPolicy budgetPolicy = budget == null ? null : budget(budget);
        ConcurrencyLimitPolicy limitPolicy = limit == null ? null : limit(limit);
        return registry.pipeline(name, () -> {
            Pipeline.Builder<T> builder = Pipeline.builder(retryPolicy).clock(registry.clock()).scheduler(registry.scheduler());
            if (breakerPolicy != null) {
                builder.circuitBreaker(registry.circuitBreaker(breakerPolicy));
            }
            if (budgetPolicy != null) {
                builder.retryBudget(retryBudget(budgetPolicy, registry));
            }
            if (limitPolicy != null) {
                builder.concurrencyLimit(registry.concurrencyLimit(limitPolicy));
            }
            if (attemptTimeout != null) {
                builder.attemptTimeout(attemptTimeout);
            }
            return builder.build();
        });
    }

    /**
     * The registry's budget by this configuration's word: shared through the registry's budget store when
     * the budget says {@code shared: true}.
     *
     * @throws IllegalStateException naming the key when a shared budget meets a registry without a store
     */
    private RetryBudget retryBudget(RetryBudgetPolicy policy, ResilienceRegistry registry) {
        if (!sharedBudgets.contains(policy.name())) {
            return registry.retryBudget(policy);
        }
        if (!registry.hasBudgetStore()) {
            throw new IllegalStateException("budgets." + policy.name() + ".shared is true in " + source + ", but the registry has"
                    + " no budget store to pool it through; build it with ResilienceRegistry.builder().budgetStore("
                    + "config.budgetStore(dataSource))");
        }
        return registry.sharedRetryBudget(policy);
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
                + ", budgets " + budgets.keySet() + ", limits " + limits.keySet() + "]";
    }
}
