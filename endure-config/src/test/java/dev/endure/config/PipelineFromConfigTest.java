package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.pipeline.Pipeline;
import dev.endure.registry.ResilienceRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A configuration wires a whole pipeline: policy, shared breaker, shared budget, attempt timeout. */
class PipelineFromConfigTest {

    record Response(int status) {}

    @Test
    void billingPipelineSharesTheRegistrysBreakerAndBudget() {
        EndureConfig config = ConfigLoader.loadResource("examples/billing.yaml");
        VirtualTime time = new VirtualTime();
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();

        Pipeline<Response> pipeline = config.pipeline("billing", registry, Response::status);

        assertThat(pipeline.attemptTimeout()).contains(Duration.ofSeconds(2));
        assertThat(pipeline.circuitBreaker()).containsSame(registry.findCircuitBreaker("billing").orElseThrow());
        assertThat(pipeline.retryBudget()).containsSame(registry.findRetryBudget("billing").orElseThrow());
        assertThat(config.<Response>pipeline("billing", registry, Response::status)).isSameAs(pipeline);

        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> pipeline.get(() -> {
            attempts.incrementAndGet();
            return new Response(503);
        })).isInstanceOfSatisfying(dev.endure.retry.RetriesExhaustedException.class,
                exhausted -> assertThat(exhausted.lastResult()).contains(new Response(503)));
        // 4 attempts of 503, 0.5 s, 1 s and 2 s apart; 4 failures in a row do not open a 5-failure breaker
        assertThat(attempts).hasValue(4);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(pipeline.circuitBreaker().orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
        assertThat(pipeline.retryBudget().orElseThrow().stats().retriesAllowed()).isEqualTo(3);
    }

    @Test
    void fiveFailuresInARowOpenTheConfiguredBreaker() {
        EndureConfig config = ConfigLoader.loadResource("examples/billing.yaml");
        VirtualTime time = new VirtualTime();
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();
        Pipeline<Response> pipeline = config.pipeline("billing", registry, Response::status);
        AtomicInteger attempts = new AtomicInteger();

        for (int call = 0; call < 2; call++) {
            assertThatThrownBy(() -> pipeline.get(() -> {
                attempts.incrementAndGet();
                return new Response(500);
            })).isInstanceOf(dev.endure.retry.RetriesExhaustedException.class);
        }

        assertThat(registry.findCircuitBreaker("billing").orElseThrow().state()).isEqualTo(BreakerState.OPEN);
        assertThat(attempts.get()).isLessThan(8);
    }

    @Test
    void registerAllCreatesEveryBreakerAndBudget() {
        EndureConfig config = ConfigLoader.loadResource("examples/billing.yaml");
        ResilienceRegistry registry = ResilienceRegistry.create();
        config.registerAll(registry);
        assertThat(registry.circuitBreakers()).containsOnlyKeys("billing");
        assertThat(registry.retryBudgets()).containsOnlyKeys("billing");
        assertThat(registry.findCircuitBreaker("billing").orElseThrow().policy()).isEqualTo(config.breaker("billing"));
    }

    @Test
    void namesCombineIntoAPipelineOfTheirOwnAndMayNotContradictThePolicy() {
        EndureConfig config = ConfigLoader.loadYaml("""
                policies:
                  plain: {retry: {maxAttempts: 2}}
                  billing: {retry: {maxAttempts: 3}, breaker: billing}
                breakers:
                  billing: {consecutiveFailures: 5}
                  other: {consecutiveFailures: 2}
                budgets:
                  tight: {maxRetryRatio: 10%}
                """, "inline");
        ResilienceRegistry registry = ResilienceRegistry.create();

        Pipeline<Object> combined = config.pipeline("plain+breaker:other", "plain", "other", "tight", null, registry);
        assertThat(combined.policy().maxAttempts()).isEqualTo(2);
        assertThat(combined.policy().name()).isEqualTo("plain+breaker:other");
        assertThat(combined.circuitBreaker()).containsSame(registry.findCircuitBreaker("other").orElseThrow());
        assertThat(combined.retryBudget()).containsSame(registry.findRetryBudget("tight").orElseThrow());

        Pipeline<Object> breakerOnly = config.pipeline("breaker:other", null, "other", null, null, registry);
        assertThat(breakerOnly.policy().maxAttempts()).isEqualTo(1);
        assertThat(breakerOnly.circuitBreaker()).containsSame(combined.circuitBreaker().orElseThrow());

        assertThatThrownBy(() -> config.pipeline("x", "billing", "other", null, null, registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("breaker 'other' contradicts policy 'billing', which uses breaker 'billing' (policies.billing.breaker);"
                        + " name one of them");
        assertThatThrownBy(() -> config.pipeline("y", null, null, "tight", null, registry))
                .hasMessageContaining("needs a policy");
    }

    @Test
    void limitsAreReadFixedOrAdaptiveSharedInTheRegistryAndJoinACombinedPipeline() {
        EndureConfig config = ConfigLoader.loadYaml("""
                policies:
                  db: {retry: {maxAttempts: 3}}
                limits:
                  pool: {maxConcurrent: 10, maxWait: 50ms}
                  search: {adaptive: {initialLimit: 8, maxLimit: 100}}
                """, "inline");
        assertThat(config.limit("pool").maxWait()).isEqualTo(Duration.ofMillis(50));
        assertThat(config.limit("pool").maxLimit()).isEqualTo(10);
        assertThat(config.limit("search").isAdaptive()).isTrue();
        ResilienceRegistry registry = ResilienceRegistry.create();
        config.registerAll(registry);
        assertThat(registry.concurrencyLimits()).containsOnlyKeys("pool", "search");

        Pipeline<Object> limited = config.pipeline("db+limit:pool", "db", null, null, "pool", registry);
        assertThat(limited.concurrencyLimit()).containsSame(registry.findConcurrencyLimit("pool").orElseThrow());
    }

    @Test
    void aLimitMustBeFixedOrAdaptiveAndWithinCoresRules() {
        assertThatThrownBy(() -> ConfigLoader.loadYaml("""
                limits:
                  both: {maxConcurrent: 3, adaptive: {}}
                  neither: {maxWait: 1s}
                  zero: {maxConcurrent: 0}
                  upsideDown: {adaptive: {minLimit: 5, maxLimit: 2}}
                  typo: {maxConcurent: 3}
                """, "inline"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("limits.both: sets both maxConcurrent (a fixed limit) and adaptive; keep one")
                .hasMessageContaining("limits.neither: needs maxConcurrent (a fixed limit) or adaptive")
                .hasMessageContaining("limits.zero.maxConcurrent: must be at least 1 (was 0)")
                .hasMessageContaining("limits.upsideDown: maxLimit must be at least minLimit 5 (was 2)")
                .hasMessageContaining("limits.typo: needs maxConcurrent");
    }

    /** A store that only records who joined: enough to see which budgets the configuration shares. */
    static final class JoinedStore implements dev.endure.budget.BudgetStore {
        final java.util.List<String> joined = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public dev.endure.Cancellable share(String name, java.util.function.Supplier<Counts> local,
                java.util.function.ToLongFunction<Sync> onSync) {
            joined.add(name);
            return () -> true;
        }

        @Override
        public Duration staleAfter() {
            return Duration.ofSeconds(5);
        }
    }

    @Test
    void aBudgetMarkedSharedJoinsTheRegistrysBudgetStoreAndTheOthersStayLocal() {
        EndureConfig config = ConfigLoader.loadYaml("""
                policies:
                  billing: {budget: pooled}
                  search: {budget: own}
                budgets:
                  pooled: {maxRetryRatio: 10%, shared: true}
                  own: {maxRetryRatio: 10%}
                budgetStore: {syncInterval: 200ms, staleAfter: 2s}
                """, "test.yaml");
        assertThat(config.sharedBudgets()).containsExactly("pooled");
        assertThat(config.budgetStoreSettings().syncInterval()).contains(Duration.ofMillis(200));
        JoinedStore store = new JoinedStore();
        ResilienceRegistry registry = ResilienceRegistry.builder().budgetStore(store).build();

        config.registerAll(registry);

        assertThat(store.joined).containsExactly("pooled");
        assertThat(registry.findRetryBudget("pooled").orElseThrow().isShared()).isTrue();
        assertThat(registry.findRetryBudget("own").orElseThrow().isShared()).isFalse();
        assertThat(config.pipeline("billing", registry).retryBudget()).containsSame(registry.findRetryBudget("pooled").orElseThrow());
    }

    @Test
    void aSharedBudgetWithoutABudgetStoreNamesTheKey() {
        EndureConfig config = ConfigLoader.loadYaml("""
                budgets:
                  pooled: {shared: true}
                """, "test.yaml");
        assertThatThrownBy(() -> config.registerAll(ResilienceRegistry.create()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("budgets.pooled.shared is true in test.yaml, but the registry has no budget store");
    }
}
