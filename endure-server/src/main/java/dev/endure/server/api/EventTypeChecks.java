package dev.endure.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.server.schema.PayloadSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks a send makes against the event-type catalogue, as API errors: an unknown or archived event type
 * is a 422 naming the field, and a payload that fails its type's schema is a 422 listing each failing JSON
 * pointer. One place for the single send, the batch and endpoint subscriptions.
 */
final class EventTypeChecks {

    /** Compiled schemas by their text: an event type's schema never changes, so one compile serves every send. */
    private static final Map<String, PayloadSchema> COMPILED = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 1000;

    private EventTypeChecks() {}

    /** The 422 for an event type that cannot be used in {@code field}. */
    static ApiException refused(EventTypeException e, String field) {
        String code = e.kind() == EventTypeException.Kind.ARCHIVED ? "event_type_archived" : "unknown_event_type";
        return new ApiException(422, code, e.getMessage(), List.of(new FieldError(field, e.getMessage())));
    }

    /** The event type a message may be sent with, or a 422 naming {@code field}. */
    static EventType sendable(ApiContext api, String eventType, String field) {
        try {
            return api.eventTypes().sendable(eventType);
        } catch (EventTypeException e) {
            throw refused(e, field);
        }
    }

    /**
     * As {@link #sendable}, from what this server last saw of the type: only for a send whose transaction checks the
     * type again (a fan-out send; see {@code EventCatalogue.sendableSeen}).
     */
    static EventType sendableSeen(ApiContext api, String eventType, String field) {
        try {
            return api.eventTypes().sendableSeen(eventType);
        } catch (EventTypeException e) {
            throw refused(e, field);
        }
    }

    /**
     * The payload's violations of its type's schema, each as a field error on {@code field} with its pointer
     * (empty when the type has no schema or the payload matches).
     */
    static List<FieldError> payloadProblems(EventType eventType, String payload, String field) {
        List<FieldError> problems = new ArrayList<>();
        if (eventType.payloadSchema() == null || payload == null) {
            return problems;
        }
        JsonNode value;
        try {
            value = Json.read(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            problems.add(new FieldError(field, "is not valid JSON", ""));
            return problems;
        }
        for (PayloadSchema.Violation violation : compiled(eventType).validate(value)) {
            problems.add(new FieldError(field, (violation.pointer().isEmpty() ? "the payload" : violation.pointer()) + " "
                    + violation.message() + " (schema of event type " + eventType.name() + ")", violation.pointer()));
        }
        return problems;
    }

    /**
     * The error for an endpoint named in a send ({@code field}) that does not take {@code eventType}, or null
     * when it does (it takes every type, or this one).
     */
    static FieldError unsubscribed(ApiContext api, String endpointId, String field, String eventType) {
        Set<String> takes = api.eventTypes().subscriptions(endpointId);
        if (takes.isEmpty() || takes.contains(eventType)) {
            return null;
        }
        return new FieldError(field, "endpoint " + endpointId + " does not subscribe to event type " + eventType + " (it takes "
                + String.join(", ", takes) + ")");
    }

    /** Throws the 422 for a payload that fails its type's schema. */
    static void checkPayload(EventType eventType, String payload, String field) {
        List<FieldError> problems = payloadProblems(eventType, payload, field);
        if (!problems.isEmpty()) {
            throw payloadRefused(problems);
        }
    }

    static ApiException payloadRefused(List<FieldError> problems) {
        return new ApiException(422, "payload_invalid", problems.size() == 1 ? problems.get(0).message()
                : problems.size() + " problems with the payload against its event type's schema", problems);
    }

    private static PayloadSchema compiled(EventType eventType) {
        PayloadSchema schema = COMPILED.get(eventType.payloadSchema());
        if (schema == null) {
            try {
                schema = PayloadSchema.compile(Json.read(eventType.payloadSchema()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("event type " + eventType.name() + " has a stored schema that is not JSON", e);
            }
            if (COMPILED.size() >= MAX_CACHED) {
                COMPILED.clear();
            }
            COMPILED.put(eventType.payloadSchema(), schema);
        }
        return schema;
    }
}
