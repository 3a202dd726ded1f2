package dev.endure.delivery;

import java.time.Instant;

/**
 * One message to one endpoint, as stored. {@code attempts} counts the current cycle (a replay starts
 * a new one); {@code windowStart} is when the cycle's first attempt started, from which the maximum
 * duration is measured.
 */
public record Delivery(String id, String messageId, String endpointId, String idempotencyKey, DeliveryState state,
        int attempts, Instant nextAttemptAt, Instant windowStart, long fencingToken, String leaseOwner, Instant leaseUntil,
        Instant createdAt, Instant finishedAt, String terminalReason, Integer lastStatus, String lastError) {}
