package dev.endure.delivery.internal;

import dev.endure.Clock;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A worker's circuit breakers, one per endpoint on this node (core's {@link CircuitBreaker}, named {@code webhook:<id>}). */
public final class EndpointBreakers implements AutoCloseable {

    private final CircuitBreakerPolicy policy;
    private final Clock clock;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /** @param policy the breakers' policy, or null to send without breakers */
    public EndpointBreakers(CircuitBreakerPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** The endpoint's breaker, created on first use; null when breakers are off. */
    public CircuitBreaker breaker(String endpointId) {
        if (policy == null) {
            return null;
        }
        return breakers.computeIfAbsent(endpointId,
                id -> CircuitBreaker.builder(policy.toBuilder().name("webhook:" + id).build()).clock(clock).build());
    }

    /** CLOSED if the endpoint's breaker has not been used here; null when breakers are off. */
    public BreakerState state(String endpointId) {
        if (policy == null) {
            return null;
        }
        CircuitBreaker breaker = breakers.get(endpointId);
        return breaker == null ? BreakerState.CLOSED : breaker.state();
    }

    @Override
    public void close() {
        breakers.values().forEach(CircuitBreaker::close);
    }
}
