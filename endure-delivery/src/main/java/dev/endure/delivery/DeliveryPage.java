package dev.endure.delivery;

import java.util.List;

/** One page of listed deliveries; {@code nextBeforeSeq} continues the listing, null when it is the last page. */
public record DeliveryPage(List<DeliveryRow> rows, Long nextBeforeSeq) {

    /** A listed delivery with its message's event type and its enqueue position. */
    public record DeliveryRow(long seq, Delivery delivery, String eventType) {}
}
