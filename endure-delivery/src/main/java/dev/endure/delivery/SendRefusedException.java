package dev.endure.delivery;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checked send ({@link DeliveryService#sendChecked}) that its store refused in the send's own transaction, with
 * nothing stored: some named endpoints do not exist ({@link #unknown}), some do not take the message's event type
 * ({@link #unsubscribed}, each with the types it takes), or the idempotency key was used before for a message whose
 * event type or payload is not byte for byte this one's ({@link #earlierMessageId}; the caller decides whether the two
 * are the same JSON value). Unknown endpoints are reported first, then unsubscribed ones, then the key.
 */
public final class SendRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> unknown;
    private final transient Map<String, Set<String>> unsubscribed;
    private final String earlierMessageId;

    public SendRefusedException(List<String> unknown, Map<String, Set<String>> unsubscribed, String earlierMessageId) {
        super(!unknown.isEmpty() ? "unknown endpoints " + unknown
                : !unsubscribed.isEmpty() ? "endpoints " + unsubscribed.keySet() + " do not take the event type"
                : "idempotency key used before for message " + earlierMessageId + " with another body");
        this.unknown = List.copyOf(unknown);
        this.unsubscribed = Map.copyOf(unsubscribed);
        this.earlierMessageId = earlierMessageId;
    }

    /** The named endpoints that do not exist, in the order named. */
    public List<String> unknown() {
        return unknown;
    }

    /** The named endpoints that subscribe to other event types only, each with the types it takes. */
    public Map<String, Set<String>> unsubscribed() {
        return unsubscribed;
    }

    /** The earlier message of the idempotency key whose body differs in its bytes, or null. */
    public String earlierMessageId() {
        return earlierMessageId;
    }
}
