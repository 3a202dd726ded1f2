package dev.endure.delivery;

import dev.endure.breaker.BreakerState;

/**
 * One endpoint as an operator sees it: enabled or why not, success rate and attempt counts over the
 * window, last error, next attempt, and this node's circuit breaker state (null if no worker here).
 */
public record EndpointStatus(Endpoint endpoint, EndpointAttemptStats stats, BreakerState breakerState) {}
