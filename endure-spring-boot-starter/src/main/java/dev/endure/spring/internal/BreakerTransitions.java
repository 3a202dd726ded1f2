package dev.endure.spring.internal;

import dev.endure.breaker.BreakerEvent;
import dev.endure.breaker.BreakerListener;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.registry.RegistryListener;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Since when each breaker has been in its state, for the Actuator endpoint: the time of its last state
 * change, or of its creation if it never changed.
 */
public final class BreakerTransitions implements BreakerListener, RegistryListener {

    private final Map<String, Instant> since = new ConcurrentHashMap<>();

    @Override
    public void onEvent(BreakerEvent event) {
        if (event instanceof BreakerEvent.StateChanged changed) {
            since.put(changed.breakerName(), changed.at());
        }
    }

    @Override
    public void circuitBreakerAdded(String name, CircuitBreaker breaker) {
        since.putIfAbsent(name, breaker.clock().instant());
    }

    /** When breaker {@code breakerName} entered its current state; null for a breaker this registry never held. */
    public Instant since(String breakerName) {
        return since.get(breakerName);
    }
}
