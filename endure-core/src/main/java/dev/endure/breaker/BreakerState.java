package dev.endure.breaker;

/**
 * Where a {@link CircuitBreaker} stands. CLOSED lets every call through and counts failures; OPEN rejects
 * every call at once until its open duration has passed; HALF_OPEN lets a few trial calls through to learn
 * whether the downstream has recovered.
 */
public enum BreakerState {
    /** Normal operation: calls pass, outcomes are counted. */
    CLOSED,
    /** Failing fast: calls are rejected with {@link CallNotPermittedException} until the open duration ends. */
    OPEN,
    /** Probing: at most {@link CircuitBreakerPolicy#halfOpenMaxTrials()} trial calls at a time. */
    HALF_OPEN
}
