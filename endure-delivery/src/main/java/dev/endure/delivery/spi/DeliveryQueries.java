package dev.endure.delivery.spi;

import dev.endure.delivery.DeliveryPage;
import dev.endure.delivery.DeliveryQuery;
import dev.endure.delivery.DeliveryService;
import dev.endure.delivery.StoredMessage;

import java.util.Optional;

/**
 * What an operator's tools read beside {@link DeliveryStore}: deliveries listed with filters and a
 * keyset cursor, stored messages, idempotency-key lookups, and whether the database answers. Read-only;
 * every write goes through the store (or {@link DeliveryService} on top of it).
 */
public interface DeliveryQueries {

    /** Deliveries newest first, filtered, one page at a time. */
    DeliveryPage deliveries(DeliveryQuery query);

    Optional<StoredMessage> message(String id);

    /** The message an endpoint's delivery with this idempotency key belongs to, if one exists. */
    Optional<String> messageIdForIdempotencyKey(String endpointId, String idempotencyKey);

    /** Whether the database answers a trivial query within {@code timeoutSeconds}. */
    boolean answers(int timeoutSeconds);
}
