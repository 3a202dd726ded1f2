package dev.endure.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * One recorded attempt: when it started, the HTTP status or the network error, latency, the first
 * bytes of the answer, what followed (outcome, next attempt time, terminal reason).
 */
public record Attempt(String deliveryId, String endpointId, int number, long fencingToken, Instant startedAt,
        Duration latency, Integer httpStatus, String error, String responseSnippet, AttemptOutcome outcome,
        Instant nextAttemptAt, String terminalReason) {

    public boolean succeeded() {
        return outcome == AttemptOutcome.DELIVERED;
    }
}
