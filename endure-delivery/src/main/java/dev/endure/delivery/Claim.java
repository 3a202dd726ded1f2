package dev.endure.delivery;

import java.time.Instant;

/**
 * A delivery leased to one worker until {@code leaseUntil}. The fencing token grows with every claim
 * of the delivery; the store accepts a result only with the latest token, so a worker whose lease
 * expired (and whose delivery was claimed again) cannot overwrite the newer attempt.
 */
public record Claim(String deliveryId, String messageId, String endpointId, long fencingToken, String owner,
        Instant leaseUntil, int attemptNumber, Instant windowStart, String eventType, String payload) {}
