package dev.endure.observe;

import dev.endure.breaker.CircuitBreaker;
import dev.endure.budget.RetryBudget;
import dev.endure.pipeline.Pipeline;
import dev.endure.registry.RegistryListener;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.Retrier;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds metrics to everything a {@link ResilienceRegistry} holds, now and later: each retrier and
 * pipeline gets {@link RetryMetrics}, each breaker {@link BreakerMetrics}, each budget
 * {@link BudgetMetrics}.
 *
 * <pre>{@code
 * EndureMetrics.bind(resilienceRegistry, prometheusRegistry);                          // counters only
 * EndureMetrics.bind(resilienceRegistry, prometheusRegistry, RetryMetrics.Mode.EVENTS); // + breaker outcome, delays
 * }</pre>
 */
public final class EndureMetrics implements RegistryListener {

    private final MeterRegistry meters;
    private final RetryMetrics.Mode mode;
    /** A pipeline's breaker and budget are usually also in the registry: bind each object once. */
    private final Set<Object> bound = ConcurrentHashMap.newKeySet();

    private EndureMetrics(MeterRegistry meters, RetryMetrics.Mode mode) {
        this.meters = Objects.requireNonNull(meters, "meters");
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** Binds everything in {@code registry} to {@code meters}, and whatever it creates later; counters only. */
    public static EndureMetrics bind(ResilienceRegistry registry, MeterRegistry meters) {
        return bind(registry, meters, RetryMetrics.Mode.COUNTERS);
    }

    /** As {@link #bind(ResilienceRegistry, MeterRegistry)}, with retry metrics in {@code mode}. */
    public static EndureMetrics bind(ResilienceRegistry registry, MeterRegistry meters, RetryMetrics.Mode mode) {
        EndureMetrics metrics = new EndureMetrics(meters, mode);
        registry.addListener(metrics);
        return metrics;
    }

    /** Binds one pipeline: its retrier (in {@code mode}), breaker and budget. */
    public static void bind(Pipeline<?> pipeline, MeterRegistry meters, RetryMetrics.Mode mode) {
        new EndureMetrics(meters, mode).pipelineAdded(pipeline.policy().name(), pipeline);
    }

    @Override
    public void circuitBreakerAdded(String name, CircuitBreaker breaker) {
        if (bound.add(breaker)) {
            BreakerMetrics.of(breaker).bindTo(meters);
        }
    }

    @Override
    public void retryBudgetAdded(String name, RetryBudget budget) {
        if (bound.add(budget)) {
            BudgetMetrics.of(budget).bindTo(meters);
        }
    }

    @Override
    public void retrierAdded(String name, Retrier<?> retrier) {
        if (bound.add(retrier)) {
            RetryMetrics.of(retrier, mode, java.util.List.of()).bindTo(meters);
        }
    }

    @Override
    public void pipelineAdded(String name, Pipeline<?> pipeline) {
        retrierAdded(name, pipeline.retrier());
        pipeline.circuitBreaker().ifPresent(breaker -> circuitBreakerAdded(breaker.name(), breaker));
        pipeline.retryBudget().ifPresent(budget -> retryBudgetAdded(budget.name(), budget));
    }
}
