package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.StoredMessage;
import dev.endure.server.auth.Scope;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /api/messages/batch}: many messages, each with its own idempotency key, to the same endpoints
 * (stored in one transaction), or, when {@code endpoints} is left out, each to the endpoints that subscribe
 * to its event type (one transaction per event type in the batch; held for a disabled endpoint). Per message the answer says
 * accepted or duplicate; a duplicate whose key was first used with a different event type or payload says
 * so in {@code conflict} (the rest of the batch is still accepted).
 *
 * <pre>
 * {"endpoints": ["ep_1"], "messages": [{"eventType": "invoice.paid", "payload": {...}, "idempotencyKey": "inv-42"}, ...]}
 * </pre>
 */
final class BatchMessageRoutes {

    static final int MAX_MESSAGES = 500;

    private final ApiContext api;

    BatchMessageRoutes(ApiContext api) {
        this.api = api;
    }

    void register(RoutesConfig routes, Auth auth) {
        routes.post("/api/messages/batch", auth.require(Scope.SEND, Routes.noQuery(this::sendBatch)));
    }

    private record Item(String eventType, String payload, String idempotencyKey) {}

    private void sendBatch(Context ctx) {
        Body body = Routes.body(ctx, api);
        List<String> endpointIds = body.optionalStringList("endpoints", 100);
        boolean endpointsGiven = body.has("endpoints");
        List<Item> items = new ArrayList<>();
        for (Body message : body.requiredObjectList("messages", MAX_MESSAGES)) {
            String eventType = message.requiredString("eventType");
            if (eventType != null && eventType.length() > 255) {
                message.reject("eventType", "must be at most 255 characters");
            }
            String payload = message.requiredRawJson("payload");
            Optional<String> key = message.optionalString("idempotencyKey", 1, 255);
            message.finishNested();
            items.add(new Item(eventType, payload, key.orElse(null)));
        }
        List<String> targets = new ArrayList<>(new LinkedHashSet<>(endpointIds));
        if (endpointsGiven && targets.isEmpty()) {
            body.reject("endpoints", "must name at least one endpoint (leave it out to send to every endpoint)");
        }
        for (String target : targets) {
            if (!Routes.ID.matcher(target).matches()) {
                body.reject("endpoints[" + endpointIds.indexOf(target) + "]", "is not an endpoint id (1 to 64 letters, digits, '_' or '-')");
            } else if (api.deliveries().endpoint(target).isEmpty()) {
                body.reject("endpoints[" + endpointIds.indexOf(target) + "]", "endpoint " + target + " does not exist");
            }
        }
        if (!endpointsGiven && !api.deliveries().hasEndpoints()) {
            body.reject("endpoints", "no endpoint exists yet; create one with POST /api/endpoints first");
        }
        body.finish();
        Map<String, EventType> types = checkEventTypes(items, targets, endpointsGiven);
        List<NewMessage> messages = new ArrayList<>(items.size());
        for (Item item : items) {
            messages.add(NewMessage.of(item.eventType(), item.payload(), item.idempotencyKey()));
        }
        List<List<EnqueueResult>> results = enqueue(messages, types.keySet(), endpointsGiven ? targets : null);
        ObjectNode json = Json.object();
        ArrayNode answers = json.putArray("messages");
        for (int i = 0; i < messages.size(); i++) {
            List<EnqueueResult> forMessage = results.get(i);
            boolean duplicate = !forMessage.isEmpty() && forMessage.stream().allMatch(EnqueueResult::duplicate);
            ObjectNode answer = answers.addObject();
            answer.put("id", duplicate ? forMessage.get(0).messageId() : messages.get(i).id());
            answer.put("duplicate", duplicate);
            conflict(forMessage, items.get(i)).ifPresent(text -> answer.put("conflict", text));
            Views.enqueued(answer.putArray("deliveries"), forMessage);
        }
        Routes.json(ctx, 202, json);
    }

    /**
     * Every message's event type is sendable and its payload matches the type's schema, and every endpoint named
     * takes every type sent to it; else one 422 naming each failing {@code messages[i].eventType},
     * {@code messages[i].payload} (with its pointer) or {@code endpoints[j]}.
     */
    private Map<String, EventType> checkEventTypes(List<Item> items, List<String> targets, boolean endpointsGiven) {
        Map<String, EventType> types = new LinkedHashMap<>();
        List<FieldError> errors = new ArrayList<>();
        String code = null;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            EventType type = types.get(item.eventType());
            if (type == null) {
                try {
                    type = api.eventTypes().sendable(item.eventType());
                    types.put(type.name(), type);
                } catch (EventTypeException e) {
                    ApiException refused = EventTypeChecks.refused(e, "messages[" + i + "].eventType");
                    errors.addAll(refused.fieldErrors());
                    code = code == null ? refused.code() : code;
                    continue;
                }
            }
            List<FieldError> problems = EventTypeChecks.payloadProblems(type, item.payload(), "messages[" + i + "].payload");
            if (!problems.isEmpty()) {
                errors.addAll(problems);
                code = code == null ? "payload_invalid" : code;
            }
        }
        if (endpointsGiven) {
            for (String target : targets) {
                for (String type : types.keySet()) {
                    FieldError error = EventTypeChecks.unsubscribed(api, target, "endpoints[" + targets.indexOf(target) + "]", type);
                    if (error != null) {
                        errors.add(error);
                        code = code == null ? "not_subscribed" : code;
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException(422, code, errors.size() == 1 ? errors.get(0).message()
                    : errors.size() + " messages cannot be sent as they are", errors);
        }
        return types;
    }

    /**
     * To the endpoints named, all in one transaction; or, fanned out, per event type to the endpoints that take
     * it (one transaction per event type). A message no endpoint takes gets no delivery.
     */
    private List<List<EnqueueResult>> enqueue(List<NewMessage> messages, Set<String> eventTypes, List<String> targets) {
        if (targets != null) {
            return api.deliveries().sendAll(messages, targets);
        }
        List<List<EnqueueResult>> results = new ArrayList<>(java.util.Collections.nCopies(messages.size(), List.of()));
        for (String eventType : eventTypes) {
            List<String> subscribers = api.eventTypes().subscribers(eventType);
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i).eventType().equals(eventType)) {
                    indexes.add(i);
                }
            }
            if (subscribers.isEmpty()) {
                continue;
            }
            List<List<EnqueueResult>> sent = api.deliveries().sendAll(indexes.stream().map(messages::get).toList(), subscribers);
            for (int k = 0; k < indexes.size(); k++) {
                results.set(indexes.get(k), sent.get(k));
            }
        }
        return results;
    }

    /** For a duplicate: whether its key was first used with a different event type or payload. */
    private Optional<String> conflict(List<EnqueueResult> results, Item item) {
        for (EnqueueResult result : results) {
            if (!result.duplicate()) {
                continue;
            }
            StoredMessage original = api.queries().message(result.messageId()).orElse(null);
            if (original == null) {
                continue;
            }
            // The same JSON value counts as the same payload, however it is spaced.
            boolean same;
            try {
                same = original.eventType().equals(item.eventType())
                        && (original.payload().equals(item.payload()) || Json.read(original.payload()).equals(Json.read(item.payload())));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                same = false;
            }
            if (!same) {
                return Optional.of("idempotency key '" + item.idempotencyKey() + "' was already used for message " + result.messageId()
                        + " with a different event type or payload; this message was not enqueued");
            }
        }
        return Optional.empty();
    }
}
