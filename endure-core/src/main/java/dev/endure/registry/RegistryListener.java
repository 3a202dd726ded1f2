package dev.endure.registry;

import dev.endure.breaker.CircuitBreaker;
import dev.endure.budget.RetryBudget;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.pipeline.Pipeline;
import dev.endure.retry.Retrier;

/**
 * Hears what a {@link ResilienceRegistry} creates, e.g. to bind metrics to each breaker as it appears.
 * Called outside the registry's locks, on the thread that caused the creation; every method does nothing
 * by default.
 */
public interface RegistryListener {

    default void circuitBreakerAdded(String name, CircuitBreaker breaker) {}

    default void retryBudgetAdded(String name, RetryBudget budget) {}

    default void concurrencyLimitAdded(String name, ConcurrencyLimit limit) {}

    default void retrierAdded(String name, Retrier<?> retrier) {}

    default void pipelineAdded(String name, Pipeline<?> pipeline) {}
}
