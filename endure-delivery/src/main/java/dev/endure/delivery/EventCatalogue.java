package dev.endure.delivery;

import dev.endure.Clock;
import dev.endure.delivery.spi.EventTypeStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event-type catalogue and subscriptions, for producers and operators: create, list, read and archive
 * event types; check that a message's event type may be sent; find the endpoints a message of a type fans
 * out to. Validating a payload against its type's JSON Schema is the caller's (the server's) part.
 *
 * <pre>{@code
 * EventCatalogue catalogue = new EventCatalogue(store.eventTypes(), Clock.system());
 * catalogue.create("invoice.paid", "An invoice was paid", null);
 * List<String> to = catalogue.subscribers("invoice.paid");     // the endpoints that take it
 * }</pre>
 */
public final class EventCatalogue {

    private static final int MAX_SEEN = 10_000;

    private final EventTypeStore store;
    private final Clock clock;
    /** Event types found sendable, by name (see {@link #sendableSeen}). */
    private final Map<String, EventType> seenSendable = new ConcurrentHashMap<>();

    public EventCatalogue(EventTypeStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Adds an event type.
     *
     * @param payloadSchema a JSON Schema (text) every payload of this type must match, or null for any
     * @throws EventTypeException of kind EXISTS if the name is taken, archived types included
     */
    public EventType create(String name, String description, String payloadSchema) {
        EventType eventType = new EventType(name, description == null ? "" : description, payloadSchema, false, clock.instant(),
                clock.instant());
        store.createEventType(eventType);
        return eventType;
    }

    public Optional<EventType> eventType(String name) {
        return store.eventType(name);
    }

    public List<EventType> eventTypes(boolean includeArchived) {
        return store.eventTypes(includeArchived);
    }

    /**
     * Archives an event type: messages can no longer be sent with it, and no endpoint can newly subscribe to it;
     * subscriptions that name it stay (archiving is not a way to widen a subscription to every type).
     *
     * @return the archived event type
     * @throws EventTypeException of kind UNKNOWN if there is no such type
     */
    public EventType archive(String name) {
        EventType current = store.eventType(name).orElseThrow(() -> new EventTypeException(EventTypeException.Kind.UNKNOWN, name));
        if (current.archived()) {
            return current;
        }
        store.archiveEventType(name, clock.instant());
        forget(name);
        return store.eventType(name).orElse(current.archivedAt(clock.instant()));
    }

    /**
     * The event type a message is about to be sent with.
     *
     * @throws EventTypeException of kind UNKNOWN or ARCHIVED if it may not be sent
     */
    public EventType sendable(String name) {
        EventType eventType = store.eventType(name).orElseThrow(() -> new EventTypeException(EventTypeException.Kind.UNKNOWN, name));
        if (eventType.archived()) {
            throw new EventTypeException(EventTypeException.Kind.ARCHIVED, name);
        }
        return eventType;
    }

    /**
     * The event type as this catalogue last found it sendable, read from the store only the first time. Another
     * server sharing the store may have archived it since, so use it only for a send whose own transaction checks
     * the type again, as {@link DeliveryService#sendToSubscribers} does, and call {@link #forget} when that check
     * refuses it. (A type's schema never changes, and an archived type stays archived, so a cached type can only
     * go stale by being archived.)
     *
     * @throws EventTypeException of kind UNKNOWN or ARCHIVED if the store says it may not be sent
     */
    public EventType sendableSeen(String name) {
        EventType seen = seenSendable.get(name);
        if (seen != null) {
            return seen;
        }
        EventType eventType = sendable(name);
        if (seenSendable.size() >= MAX_SEEN) {
            seenSendable.clear();
        }
        seenSendable.put(name, eventType);
        return eventType;
    }

    /** Drops what {@link #sendableSeen} remembers of {@code name} (a send's transaction found it archived or gone). */
    public void forget(String name) {
        seenSendable.remove(name);
    }

    /**
     * Checks that an endpoint may subscribe to each of {@code names}: each is in the catalogue and not archived.
     *
     * @throws EventTypeException for the first that is not
     */
    public void checkSubscribable(Collection<String> names) {
        for (String name : names) {
            sendable(name);
        }
    }

    /**
     * The endpoints a message of {@code eventType} fans out to: those subscribed to it or to every type. Disabled
     * ones included: their delivery is held until they are enabled again (seed 003: a disabled endpoint keeps its
     * messages), not dropped.
     */
    public List<String> subscribers(String eventType) {
        return store.subscribers(eventType);
    }

    /** The event types an endpoint takes; empty means every type. */
    public Set<String> subscriptions(String endpointId) {
        return store.subscriptions(endpointId);
    }

    /** The subscriptions that are not "every type", by endpoint id. */
    public Map<String, Set<String>> subscriptions() {
        return store.subscriptions();
    }

    /**
     * Replaces an endpoint's subscription; empty subscribes it to every type.
     *
     * @throws EventTypeException if one of the types is unknown or archived
     * @throws IllegalArgumentException if there is no such endpoint
     */
    public void subscribe(String endpointId, Set<String> eventTypes) {
        checkSubscribable(eventTypes);
        store.subscribe(endpointId, eventTypes);
    }

    /** The message most recently sent with this idempotency key, to whichever endpoints. */
    public Optional<String> messageIdForIdempotencyKey(String idempotencyKey) {
        return store.messageIdForIdempotencyKey(idempotencyKey);
    }
}
