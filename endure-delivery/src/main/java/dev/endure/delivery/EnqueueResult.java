package dev.endure.delivery;

/**
 * What happened to a send for one endpoint: accepted as a new delivery, or refused as a duplicate of
 * an earlier send with the same idempotency key (whose delivery is named).
 */
public record EnqueueResult(String endpointId, boolean duplicate, String deliveryId, String messageId, DeliveryState state) {

    /** A sentence for logs and API answers. */
    public String describe() {
        return duplicate
                ? "duplicate: endpoint " + endpointId + " already has delivery " + deliveryId + " (message " + messageId
                        + ") for this idempotency key; not enqueued again"
                : "accepted: delivery " + deliveryId + " of message " + messageId + " to endpoint " + endpointId + " is " + state;
    }
}
