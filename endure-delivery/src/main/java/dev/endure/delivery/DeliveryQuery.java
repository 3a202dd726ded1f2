package dev.endure.delivery;

import java.time.Instant;

/**
 * Which deliveries to list, newest first: optional filters (endpoint, state, event type, created at or
 * after) and a keyset cursor ({@code beforeSeq}: only deliveries enqueued before that position), so a
 * page stays stable while new messages arrive.
 */
public record DeliveryQuery(String endpointId, DeliveryState state, String eventType, Instant createdSince, Long beforeSeq, int limit) {

    public DeliveryQuery {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1 to 1000 (was " + limit + ")");
        }
    }

    public static DeliveryQuery latest(int limit) {
        return new DeliveryQuery(null, null, null, null, null, limit);
    }
}
