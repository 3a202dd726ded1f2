package dev.endure.delivery;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the event-type catalogue and endpoints' subscriptions live, beside {@link DeliveryStore}. An endpoint
 * subscribed to no event type in particular (an empty set) takes every type. Every method is one short
 * transaction.
 */
public interface EventTypeStore {

    /** @throws EventTypeException of kind EXISTS if the name is taken (archived types included) */
    void createEventType(EventType eventType);

    Optional<EventType> eventType(String name);

    /** Every event type by name, archived ones only if asked. */
    List<EventType> eventTypes(boolean includeArchived);

    /** Archives an event type; false if it already was (or does not exist). */
    boolean archiveEventType(String name, Instant now);

    /**
     * Creates an endpoint subscribed to {@code eventTypes} (empty: every type) in one transaction, so that it
     * never exists, even for a moment, with a wider subscription than asked.
     */
    void createEndpoint(Endpoint endpoint, Set<String> eventTypes, Instant now);

    /** The event types an endpoint takes; empty means every type (or no such endpoint). */
    Set<String> subscriptions(String endpointId);

    /** Every endpoint's subscription that is not "every type", by endpoint id. */
    Map<String, Set<String>> subscriptions();

    /**
     * Replaces an endpoint's subscription (empty: every type).
     *
     * @throws IllegalArgumentException if there is no such endpoint
     */
    void subscribe(String endpointId, Set<String> eventTypes);

    /** The enabled endpoints that take {@code eventType}, by id. */
    List<String> subscribers(String eventType);

    /** The message most recently sent with this idempotency key, to whichever endpoints. */
    Optional<String> messageIdForIdempotencyKey(String idempotencyKey);
}
