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

        Pipeline<Object> combined = config.pipeline("plain+breaker:other", "plain", "other", "tight", registry);
        assertThat(combined.policy().maxAttempts()).isEqualTo(2);
        assertThat(combined.policy().name()).isEqualTo("plain+breaker:other");
        assertThat(combined.circuitBreaker()).containsSame(registry.findCircuitBreaker("other").orElseThrow());
        assertThat(combined.retryBudget()).containsSame(registry.findRetryBudget("tight").orElseThrow());

        Pipeline<Object> breakerOnly = config.pipeline("breaker:other", null, "other", null, registry);
        assertThat(breakerOnly.policy().maxAttempts()).isEqualTo(1);
        assertThat(breakerOnly.circuitBreaker()).containsSame(combined.circuitBreaker().orElseThrow());

        assertThatThrownBy(() -> config.pipeline("x", "billing", "other", null, registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("breaker 'other' contradicts policy 'billing', which uses breaker 'billing' (policies.billing.breaker);"
                        + " name one of them");
        assertThatThrownBy(() -> config.pipeline("y", null, null, "tight", registry))
                .hasMessageContaining("needs a policy");
    }
}
