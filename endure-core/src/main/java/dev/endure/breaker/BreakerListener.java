package dev.endure.breaker;

/**
 * Receives a {@link CircuitBreaker}'s events on the thread that caused them, after the breaker's lock was
 * released. Must be quick and must not throw (a throwing listener is logged once and then only counted).
 */
@FunctionalInterface
public interface BreakerListener {
    void onEvent(BreakerEvent event);
}
