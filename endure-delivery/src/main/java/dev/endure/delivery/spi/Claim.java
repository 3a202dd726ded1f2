package dev.endure.delivery.spi;

import java.time.Instant;

import java.time.Duration;

/**
 * A delivery leased to one worker until {@code leaseUntil}. The fencing token grows with every claim
 * of the delivery; the store accepts a result only with the latest token, so a worker whose lease
 * expired (and whose delivery was claimed again) cannot overwrite the newer attempt. {@code previousDelay}
 * is the delay the previous attempt scheduled (null before the first retry): decorrelated jitter grows
 * from it.
 */
public record Claim(String deliveryId, String messageId, String endpointId, long fencingToken, String owner,
        Instant leaseUntil, int attemptNumber, Instant windowStart, String eventType, String payload, Duration previousDelay) {

    /** A claim whose previous delay is not known (the step then starts decorrelated jitter afresh). */
    public Claim(String deliveryId, String messageId, String endpointId, long fencingToken, String owner,
            Instant leaseUntil, int attemptNumber, Instant windowStart, String eventType, String payload) {
        this(deliveryId, messageId, endpointId, fencingToken, owner, leaseUntil, attemptNumber, windowStart, eventType, payload, null);
    }
}
