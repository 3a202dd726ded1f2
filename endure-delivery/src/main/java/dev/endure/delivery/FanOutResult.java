package dev.endure.delivery;

import java.util.List;

/**
 * What a fan-out send did ({@link DeliveryService#sendToSubscribers}): the message's id and its deliveries, one
 * per endpoint that takes its event type. {@code duplicate} when its idempotency key was used before: then
 * nothing was stored, and {@code messageId} and {@code deliveries} are the earlier message's. No deliveries and not
 * a duplicate: no endpoint takes the type, and nothing was stored.
 */
public record FanOutResult(String messageId, boolean duplicate, List<EnqueueResult> deliveries) {

    public FanOutResult {
        deliveries = List.copyOf(deliveries);
    }

    /** A send of {@code messageId} that came out as {@code results}: a duplicate when every endpoint already had it. */
    public static FanOutResult of(String messageId, List<EnqueueResult> results) {
        boolean duplicate = !results.isEmpty() && results.stream().allMatch(EnqueueResult::duplicate);
        return new FanOutResult(duplicate ? results.get(0).messageId() : messageId, duplicate, results);
    }
}
