package dev.endure.delivery.internal;

import dev.endure.Clock;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.BreakerStore;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker's circuit breakers, one per endpoint (core's {@link CircuitBreaker}, named {@code webhook:<id>}): this
 * node's own, or, with a {@link BreakerStore}, synced through it so every node of a cluster sees one state.
 */
public final class EndpointBreakers implements AutoCloseable {

    private final CircuitBreakerPolicy policy;
    private final Clock clock;
    private final BreakerStore store;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /**
     * @param policy the breakers' policy, or null to send without breakers
     * @param store where the breakers' state is shared across nodes, or null for this node's own
     */
    public EndpointBreakers(CircuitBreakerPolicy policy, Clock clock, BreakerStore store) {
        this.policy = policy;
        this.clock = clock;
        this.store = store;
    }

    /** The endpoint's breaker, created on first use; null when breakers are off. */
    public CircuitBreaker breaker(String endpointId) {
        if (policy == null) {
            return null;
        }
        return breakers.computeIfAbsent(endpointId, id -> {
            CircuitBreaker.Builder breaker = CircuitBreaker.builder(policy.toBuilder().name("webhook:" + id).build()).clock(clock);
            return (store == null ? breaker : breaker.store(store)).build();
        });
    }

    /**
     * CLOSED if the endpoint's breaker has not been used here; null when breakers are off. With a shared store the
     * breaker is made on first read, so it shows what another node decided.
     */
    public BreakerState state(String endpointId) {
        if (policy == null) {
            return null;
        }
        CircuitBreaker breaker = store != null ? breaker(endpointId) : breakers.get(endpointId);
        return breaker == null ? BreakerState.CLOSED : breaker.state();
    }

    @Override
    public void close() {
        breakers.values().forEach(CircuitBreaker::close);
    }
}
