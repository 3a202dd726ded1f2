package dev.endure.delivery;

import dev.endure.delivery.internal.Ids;

import java.util.Objects;

/**
 * A message to send: its id (also the {@code webhook-id} header, stable across retries so receivers
 * can de-duplicate), event type, JSON payload and an optional idempotency key that makes a repeated
 * send to the same endpoint a reported duplicate instead of a second delivery.
 */
public record NewMessage(String id, String eventType, String payload, String idempotencyKey) {

    public NewMessage {
        Ids.check("message id", id);
        if (eventType == null || eventType.isBlank() || eventType.length() > 255) {
            throw new IllegalArgumentException("message " + id + " event type must be 1 to 255 characters");
        }
        Objects.requireNonNull(payload, "payload");
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            throw new IllegalArgumentException("message " + id + " idempotency key must be 1 to 255 characters when given");
        }
    }

    /** A message with a generated {@code msg_} id and no idempotency key. */
    public static NewMessage of(String eventType, String payload) {
        return new NewMessage(Ids.generate("msg"), eventType, payload, null);
    }

    /** A message with a generated id and an idempotency key. */
    public static NewMessage of(String eventType, String payload, String idempotencyKey) {
        return new NewMessage(Ids.generate("msg"), eventType, payload, idempotencyKey);
    }
}
