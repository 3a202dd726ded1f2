package dev.endure.registry;

import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerListener;
import dev.endure.breaker.BreakerStore;
import dev.endure.budget.BudgetStore;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.pipeline.Pipeline;
import dev.endure.retry.RetryPolicy;
import dev.endure.retry.Retrier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Named retriers, circuit breakers, retry budgets and pipelines, created once and shared: every call to
 * the downstream "billing" must count against the same breaker and the same budget. Get-or-create by name,
 * listable for dashboards, thread-safe.
 *
 * <pre>{@code
 * ResilienceRegistry registry = ResilienceRegistry.builder().breakerStore(store).build();
 * CircuitBreaker breaker = registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
 * RetryBudget budget = registry.retryBudget(RetryBudgetPolicy.named("billing"));
 * registry.circuitBreakers().forEach((name, b) -> System.out.println(name + " " + b.state()));
 * }</pre>
 *
 * <p>Asking again for a breaker or budget by a name already taken returns the existing one if the policy
 * is equal, and throws if it differs: two parts of a program silently sharing a breaker configured
 * differently from what one of them asked for is a bug worth failing on. Retriers and pipelines are
 * created from a supplier the first time and returned as they are afterwards.
 */
public final class ResilienceRegistry implements AutoCloseable {

    private final Clock clock;
    private final Scheduler scheduler;
    private final BreakerStore breakerStore;
    private final BudgetStore budgetStore;
    private final List<BreakerListener> breakerListeners;
    private final ConcurrentHashMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrencyLimit> limits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Retrier<?>> retriers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pipeline<?>> pipelines = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    private ResilienceRegistry(Builder builder) {
        this.clock = builder.clock;
        this.scheduler = builder.scheduler;
        this.breakerStore = builder.breakerStore;
        this.budgetStore = builder.budgetStore;
        this.breakerListeners = List.copyOf(builder.breakerListeners);
    }

    /** A registry on the system clock, without a breaker store. */
    public static ResilienceRegistry create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Clock clock() {
        return clock;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    // ---------------------------------------------------------------- circuit breakers

    /**
     * The breaker named {@code policy.name()}, created (on this registry's clock and store) if absent.
     *
     * @throws IllegalStateException if a breaker of that name exists with a different policy
     */
    public CircuitBreaker circuitBreaker(CircuitBreakerPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        CircuitBreaker breaker = getOrCreate(breakers, policy.name(), name -> newBreaker(policy), RegistryListener::circuitBreakerAdded);
        requireSame("circuit breaker", policy.name(), breaker.policy(), policy);
        return breaker;
    }

    /** The breaker named {@code name}, created from {@code policy} (asked only if absent). */
    public CircuitBreaker circuitBreaker(String name, Supplier<CircuitBreakerPolicy> policy) {
        Objects.requireNonNull(policy, "policy");
        return getOrCreate(breakers, name, key -> {
            CircuitBreakerPolicy created = Objects.requireNonNull(policy.get(), "policy supplier returned null");
            if (!created.name().equals(key)) {
                throw new IllegalArgumentException("circuit breaker registered as '" + key + "' has a policy named '"
                        + created.name() + "'; the names must match");
            }
            return newBreaker(created);
        }, RegistryListener::circuitBreakerAdded);
    }

    private CircuitBreaker newBreaker(CircuitBreakerPolicy policy) {
        CircuitBreaker.Builder builder = CircuitBreaker.builder(policy).clock(clock).store(breakerStore);
        breakerListeners.forEach(builder::listener);
        return builder.build();
    }

    public Optional<CircuitBreaker> findCircuitBreaker(String name) {
        return Optional.ofNullable(breakers.get(name));
    }

    /** Every breaker by name, sorted: a snapshot for dashboards. */
    public Map<String, CircuitBreaker> circuitBreakers() {
        return sorted(breakers);
    }

    // ---------------------------------------------------------------- retry budgets

    /**
     * The budget named {@code policy.name()}, created (on this registry's clock) if absent.
     *
     * @throws IllegalStateException if a budget of that name exists with a different policy
     */
    public RetryBudget retryBudget(RetryBudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        RetryBudget budget = getOrCreate(budgets, policy.name(), name -> RetryBudget.of(policy, clock), RegistryListener::retryBudgetAdded);
        requireSame("retry budget", policy.name(), budget.policy(), policy);
        requireSameSharing(budget, false);
        return budget;
    }

    /**
     * The budget named {@code policy.name()}, pooled with every other instance's budget of that name through
     * this registry's {@link Builder#budgetStore budget store} ({@link RetryBudget#shared}), created if absent.
     *
     * @throws IllegalStateException if this registry has no budget store, or a budget of that name exists
     *     with a different policy or is not shared
     */
    public RetryBudget sharedRetryBudget(RetryBudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (budgetStore == null) {
            throw new IllegalStateException("retry budget '" + policy.name() + "' is shared, but this registry has no budget store;"
                    + " give it one with ResilienceRegistry.builder().budgetStore(...)");
        }
        RetryBudget budget = getOrCreate(budgets, policy.name(), name -> RetryBudget.shared(policy, budgetStore, clock),
                RegistryListener::retryBudgetAdded);
        requireSame("retry budget", policy.name(), budget.policy(), policy);
        requireSameSharing(budget, true);
        return budget;
    }

    /** True when this registry can make {@linkplain #sharedRetryBudget shared budgets}. */
    public boolean hasBudgetStore() {
        return budgetStore != null;
    }

    private static void requireSameSharing(RetryBudget budget, boolean shared) {
        if (budget.isShared() != shared) {
            throw new IllegalStateException("retry budget '" + budget.name() + "' is already registered "
                    + (budget.isShared() ? "shared through the budget store" : "unshared") + "; asked for it "
                    + (shared ? "shared" : "unshared"));
        }
    }

    public Optional<RetryBudget> findRetryBudget(String name) {
        return Optional.ofNullable(budgets.get(name));
    }

    public Map<String, RetryBudget> retryBudgets() {
        return sorted(budgets);
    }

    // ---------------------------------------------------------------- concurrency limits

    /**
     * The concurrency limit named {@code policy.name()}, created (on this registry's clock) if absent.
     *
     * @throws IllegalStateException if a limit of that name exists with a different policy
     */
    public ConcurrencyLimit concurrencyLimit(ConcurrencyLimitPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        ConcurrencyLimit limit = getOrCreate(limits, policy.name(), name -> ConcurrencyLimit.of(policy, clock),
                RegistryListener::concurrencyLimitAdded);
        requireSame("concurrency limit", policy.name(), limit.policy(), policy);
        return limit;
    }

    public Optional<ConcurrencyLimit> findConcurrencyLimit(String name) {
        return Optional.ofNullable(limits.get(name));
    }

    public Map<String, ConcurrencyLimit> concurrencyLimits() {
        return sorted(limits);
    }

    // ---------------------------------------------------------------- retriers and pipelines

    /**
     * The retrier named {@code policy.name()}, created on this registry's clock and scheduler if absent;
     * a later call with another policy of the same name gets the first retrier.
     */
    @SuppressWarnings("unchecked")
    public <T> Retrier<T> retrier(RetryPolicy<T> policy) {
        Objects.requireNonNull(policy, "policy");
        return (Retrier<T>) getOrCreate(retriers, policy.name(),
                name -> Retrier.builder(policy).clock(clock).scheduler(scheduler).build(), RegistryListener::retrierAdded);
    }

    /** The retrier named {@code name}, created by {@code factory} if absent (e.g. with a budget as gate). */
    @SuppressWarnings("unchecked")
    public <T> Retrier<T> retrier(String name, Supplier<Retrier<T>> factory) {
        Objects.requireNonNull(factory, "factory");
        return (Retrier<T>) getOrCreate(retriers, name, key -> Objects.requireNonNull(factory.get(), "factory returned null"),
                RegistryListener::retrierAdded);
    }

    public Optional<Retrier<?>> findRetrier(String name) {
        return Optional.ofNullable(retriers.get(name));
    }

    public Map<String, Retrier<?>> retriers() {
        return sorted(retriers);
    }

    /**
     * The pipeline named {@code name}, created by {@code factory} if absent. The factory typically takes its
     * breaker and budget from this registry, so that every pipeline to one downstream shares them:
     * {@code registry.pipeline("billing", () -> Pipeline.builder(policy).circuitBreaker(registry.circuitBreaker(bp)).build())}.
     */
    @SuppressWarnings("unchecked")
    public <T> Pipeline<T> pipeline(String name, Supplier<Pipeline<T>> factory) {
        Objects.requireNonNull(factory, "factory");
        return (Pipeline<T>) getOrCreate(pipelines, name, key -> Objects.requireNonNull(factory.get(), "factory returned null"),
                RegistryListener::pipelineAdded);
    }

    public Optional<Pipeline<?>> findPipeline(String name) {
        return Optional.ofNullable(pipelines.get(name));
    }

    public Map<String, Pipeline<?>> pipelines() {
        return sorted(pipelines);
    }

    // ---------------------------------------------------------------- listeners and shared code

    /**
     * Tells {@code listener} about everything registered so far, then about every later addition (e.g. to
     * bind metrics to each breaker as it appears).
     */
    public void addListener(RegistryListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        sorted(breakers).forEach(listener::circuitBreakerAdded);
        sorted(budgets).forEach(listener::retryBudgetAdded);
        sorted(limits).forEach(listener::concurrencyLimitAdded);
        sorted(retriers).forEach(listener::retrierAdded);
        sorted(pipelines).forEach(listener::pipelineAdded);
    }

    /** Adds under the map's per-key lock, then tells the listeners outside it. */
    private <V> V getOrCreate(ConcurrentHashMap<String, V> map, String name, Function<String, V> factory,
            Announcer<V> announcer) {
        Objects.requireNonNull(name, "name");
        V existing = map.get(name);
        if (existing != null) {
            return existing;
        }
        boolean[] created = {false};
        V value = map.computeIfAbsent(name, key -> {
            created[0] = true;
            return factory.apply(key);
        });
        if (created[0]) {
            for (RegistryListener listener : listeners) {
                announcer.announce(listener, name, value);
            }
        }
        return value;
    }

    /** How a new entry is announced to a {@link RegistryListener}. */
    @FunctionalInterface
    private interface Announcer<V> {
        void announce(RegistryListener listener, String name, V value);
    }

    private static void requireSame(String kind, String name, Object registered, Object asked) {
        if (!registered.equals(asked)) {
            throw new IllegalStateException(kind + " '" + name + "' is already registered with a different policy: "
                    + registered + "; asked for " + asked);
        }
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return Collections.unmodifiableMap(new TreeMap<>(map));
    }

    /** Closes every breaker (they stop following the store) and then the stores; shared budgets stop sharing. */
    @Override
    public void close() {
        List<CircuitBreaker> all = new ArrayList<>(breakers.values());
        all.forEach(CircuitBreaker::close);
        if (breakerStore != null) {
            breakerStore.close();
        }
        budgets.values().forEach(RetryBudget::stopSharing);
        if (budgetStore != null) {
            budgetStore.close();
        }
    }

    @Override
    public String toString() {
        return "ResilienceRegistry[" + breakers.size() + " breakers, " + budgets.size() + " budgets, " + limits.size() + " limits, " + retriers.size()
                + " retriers, " + pipelines.size() + " pipelines]";
    }

    /** Builds a {@link ResilienceRegistry}. */
    public static final class Builder {
        private Clock clock = Clock.system();
        private Scheduler scheduler = Scheduler.system();
        private BreakerStore breakerStore;
        private BudgetStore budgetStore;
        private final List<BreakerListener> breakerListeners = new ArrayList<>();

        private Builder() {}

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Builder time(VirtualTime time) {
            return clock(time).scheduler(time);
        }

        /** Where every breaker of this registry persists or shares its state; the registry closes it. */
        public Builder breakerStore(BreakerStore breakerStore) {
            this.breakerStore = breakerStore;
            return this;
        }

        /**
         * Where {@link ResilienceRegistry#sharedRetryBudget shared budgets} pool their counts with the other
         * instances' (e.g. {@code JdbcRetryBudgetStore}); the registry closes it.
         */
        public Builder budgetStore(BudgetStore budgetStore) {
            this.budgetStore = budgetStore;
            return this;
        }

        /** A listener given to every breaker this registry creates. */
        public Builder breakerListener(BreakerListener listener) {
            breakerListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public ResilienceRegistry build() {
            return new ResilienceRegistry(this);
        }
    }
}
