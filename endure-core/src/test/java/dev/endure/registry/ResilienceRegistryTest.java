package dev.endure.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerEvent;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.breaker.store.InMemoryBreakerStore;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.pipeline.Pipeline;
import dev.endure.retry.RetryPolicy;
import dev.endure.retry.Retrier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResilienceRegistryTest {

    private final VirtualTime time = new VirtualTime();

    @Test
    void getOrCreateReturnsTheSameBreakerForTheSameNameAndPolicy() {
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();
        CircuitBreaker first = registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        CircuitBreaker again = registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        assertThat(again).isSameAs(first);
        assertThat(first.clock()).isSameAs(time);
        assertThat(registry.findCircuitBreaker("billing")).containsSame(first);
        assertThat(registry.findCircuitBreaker("shipping")).isEmpty();
    }

    @Test
    void aDifferentPolicyUnderATakenNameIsAnError() {
        ResilienceRegistry registry = ResilienceRegistry.create();
        registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        assertThatThrownBy(() -> registry.circuitBreaker(CircuitBreakerPolicy.builder().name("billing").consecutiveFailures(9).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("circuit breaker 'billing' is already registered with a different policy:");
        registry.retryBudget(RetryBudgetPolicy.named("billing"));
        assertThatThrownBy(() -> registry.retryBudget(RetryBudgetPolicy.builder().name("billing").maxRetryRatio(0.5).build()))
                .hasMessageStartingWith("retry budget 'billing' is already registered with a different policy");
        assertThatThrownBy(() -> registry.circuitBreaker("shipping", () -> CircuitBreakerPolicy.named("billing")))
                .hasMessageContaining("registered as 'shipping' has a policy named 'billing'");
    }

    @Test
    void listsEverythingByNameForDashboards() {
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();
        registry.circuitBreaker(CircuitBreakerPolicy.named("shipping"));
        registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        RetryBudget budget = registry.retryBudget(RetryBudgetPolicy.named("billing"));
        Retrier<String> retrier = registry.retrier(RetryPolicy.<String>builder().name("billing").build());
        Pipeline<String> pipeline = registry.pipeline("billing", () -> Pipeline.builder(retrier.policy())
                .circuitBreaker(registry.circuitBreaker(CircuitBreakerPolicy.named("billing"))).retryBudget(budget).time(time).build());
        assertThat(registry.circuitBreakers()).containsOnlyKeys("billing", "shipping");
        assertThat(registry.circuitBreakers().keySet()).containsExactly("billing", "shipping");
        assertThat(registry.retryBudgets()).containsEntry("billing", budget);
        assertThat(registry.retriers()).containsEntry("billing", retrier);
        assertThat(registry.pipelines()).containsEntry("billing", pipeline);
        assertThat(registry.pipeline("billing", () -> {
            throw new AssertionError("must not create twice");
        })).isSameAs(pipeline);
        assertThatThrownBy(() -> registry.circuitBreakers().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void listenersHearPastAndFutureAdditions() {
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();
        registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        List<String> heard = new CopyOnWriteArrayList<>();
        registry.addListener(new RegistryListener() {
            @Override
            public void circuitBreakerAdded(String name, CircuitBreaker breaker) {
                heard.add("breaker " + name);
            }

            @Override
            public void retryBudgetAdded(String name, RetryBudget budget) {
                heard.add("budget " + name);
            }
        });
        registry.retryBudget(RetryBudgetPolicy.named("billing"));
        registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        assertThat(heard).containsExactly("breaker billing", "budget billing");
    }

    @Test
    void breakersGetTheRegistrysStoreAndListeners() {
        InMemoryBreakerStore store = new InMemoryBreakerStore();
        List<BreakerEvent> events = new CopyOnWriteArrayList<>();
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).breakerStore(store).breakerListener(events::add).build();
        CircuitBreaker breaker = registry.circuitBreaker(CircuitBreakerPolicy.named("billing"));
        breaker.forceOpen();
        assertThat(store.load("billing")).hasValueSatisfying(stored -> assertThat(stored.state()).isEqualTo(BreakerState.OPEN));
        assertThat(events).hasSize(1);
    }

    @Test
    void manyThreadsAskingForOneNameGetOneBreaker() throws Exception {
        ResilienceRegistry registry = ResilienceRegistry.builder().time(time).build();
        AtomicInteger announced = new AtomicInteger();
        registry.addListener(new RegistryListener() {
            @Override
            public void circuitBreakerAdded(String name, CircuitBreaker breaker) {
                announced.incrementAndGet();
            }
        });
        Set<CircuitBreaker> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 1000; i++) {
                        seen.add(registry.circuitBreaker(CircuitBreakerPolicy.builder().name("downstream-" + (i % 10))
                                .openDuration(Duration.ofSeconds(5)).build()));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(new HashSet<>(seen)).hasSize(10);
        assertThat(registry.circuitBreakers()).hasSize(10);
        assertThat(announced).hasValue(10);
    }
}
