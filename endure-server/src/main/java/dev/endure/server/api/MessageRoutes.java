package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryPage;
import dev.endure.delivery.DeliveryQuery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.StoredMessage;
import dev.endure.server.auth.Scope;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.nio.charset.StandardCharsets;

/** {@code /api/messages} and {@code /api/deliveries}: send, list with filters and a cursor, read with attempts, replay. */
final class MessageRoutes {

    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;
    private static final Set<String> LIST_PARAMETERS = Set.of("endpoint", "state", "eventType", "since", "limit", "cursor");

    private final ApiContext api;

    MessageRoutes(ApiContext api) {
        this.api = api;
    }

    void register(RoutesConfig routes, Auth auth) {
        routes.post("/api/messages", auth.require(Scope.SEND, Routes.noQuery(this::send)));
        routes.get("/api/messages", auth.require(Scope.READ, Routes.query(LIST_PARAMETERS, this::list)));
        routes.get("/api/messages/{id}", auth.require(Scope.READ, Routes.noQuery(this::read)));
        routes.post("/api/messages/{id}/replay", auth.require(Scope.MANAGE, Routes.noQuery(this::replayMessage)));
        routes.get("/api/deliveries/{id}", auth.require(Scope.READ, Routes.noQuery(this::readDelivery)));
        routes.post("/api/deliveries/{id}/replay", auth.require(Scope.MANAGE, Routes.noQuery(this::replayDelivery)));
    }

    private void send(Context ctx) {
        Body body = Routes.body(ctx, api);
        String eventType = body.requiredString("eventType");
        if (eventType != null && eventType.length() > 255) {
            body.reject("eventType", "must be at most 255 characters");
        } else if (eventType != null && eventType.isBlank()) {
            body.reject("eventType", "must not be blank");
        }
        String payload = body.requiredRawJson("payload");
        Optional<String> keyInBody = body.optionalString("idempotencyKey", 1, 255);
        if (keyInBody.isPresent() && keyInBody.get().isBlank()) {
            body.reject("idempotencyKey", "must not be blank");
        }
        List<String> endpointIds = body.optionalStringList("endpoints", 100);
        boolean endpointsGiven = body.has("endpoints");
        String keyInHeader = ctx.header("Idempotency-Key");
        if (keyInHeader != null && (keyInHeader.isBlank() || keyInHeader.length() > 255)) {
            body.reject("Idempotency-Key", "header must be 1 to 255 characters");
        }
        if (keyInHeader != null && keyInBody.isPresent() && !keyInHeader.equals(keyInBody.get())) {
            body.reject("idempotencyKey", "differs from the Idempotency-Key header; send one or make them equal");
        }
        List<String> targets = new ArrayList<>(new LinkedHashSet<>(endpointIds));
        if (endpointsGiven && targets.isEmpty()) {
            body.reject("endpoints", "must name at least one endpoint (leave it out to send to every endpoint)");
        }
        for (int i = 0; i < targets.size(); i++) {
            if (!Routes.ID.matcher(targets.get(i)).matches()) {
                body.reject("endpoints[" + endpointIds.indexOf(targets.get(i)) + "]", "is not an endpoint id (1 to 64 letters, digits, '_' or '-')");
            } else if (api.deliveries().endpoint(targets.get(i)).isEmpty()) {
                body.reject("endpoints[" + endpointIds.indexOf(targets.get(i)) + "]", "endpoint " + targets.get(i) + " does not exist");
            }
        }
        body.finish();
        String idempotencyKey = keyInBody.orElse(keyInHeader);
        NewMessage message;
        if (!endpointsGiven) {
            // Fan-out: every endpoint that takes this type (held for a disabled one, as when it is named). The type as this server
            // last saw it (its schema never changes); the store's transaction checks it is still sendable, and a repeated key there.
            message = NewMessage.of(eventType, payload, idempotencyKey);
            EventTypeChecks.checkPayload(EventTypeChecks.sendableSeen(api, eventType, "eventType"), payload, "payload");
            fanOut(ctx, message);
            return;
        }
        EventType type = EventTypeChecks.sendable(api, eventType, "eventType");
        EventTypeChecks.checkPayload(type, payload, "payload");
        message = NewMessage.of(eventType, payload, idempotencyKey);
        refuseUnsubscribed(targets, endpointIds, eventType);
        if (idempotencyKey != null) {
            refuseKeyReuse(idempotencyKey, eventType, payload, targets);
        }
        List<EnqueueResult> results = api.deliveries().send(message, targets);
        for (EnqueueResult result : results) {
            // A race between two different bodies with one key is decided by the store; the loser learns it here.
            if (result.duplicate()) {
                refuseIfDifferent(result.messageId(), idempotencyKey, eventType, payload);
            }
        }
        boolean allDuplicates = results.stream().allMatch(EnqueueResult::duplicate);
        // 202: accepted for delivery, not delivered; a repeat of an accepted send answers 200 with the original.
        Routes.json(ctx, allDuplicates ? 200 : 202, answer(allDuplicates ? results.get(0).messageId() : message.id(), allDuplicates, results));
    }

    /**
     * A send to the endpoints that take its type, in one store transaction with the type check and the key lookup. A repeated key
     * repeats the whole send, whichever endpoints subscribe by now: the answer is the original message, and no endpoint gets it twice.
     */
    private void fanOut(Context ctx, NewMessage message) {
        FanOutResult sent;
        try {
            sent = api.deliveries().sendToSubscribers(message);
        } catch (EventTypeException e) {
            api.eventTypes().forget(message.eventType());
            throw EventTypeChecks.refused(e, "eventType");
        }
        if (sent.duplicate()) {
            refuseIfDifferent(sent.messageId(), message.idempotencyKey(), message.eventType(), message.payload());
            Routes.json(ctx, 200, answer(sent.messageId(), true, sent.deliveries()));
            return;
        }
        if (sent.deliveries().isEmpty() && api.deliveries().endpoints().isEmpty()) {
            throw ApiException.invalid("endpoints", "no endpoint exists yet; create one with POST /api/endpoints first");
        }
        // 202: accepted for delivery, not delivered (none: no endpoint takes the type, nothing stored; the answer says so).
        Routes.json(ctx, 202, answer(message.id(), false, sent.deliveries()));
    }

    static ObjectNode answer(String messageId, boolean duplicate, List<EnqueueResult> results) {
        ObjectNode json = Json.object();
        json.put("id", messageId);
        json.put("duplicate", duplicate);
        Views.enqueued(json.putArray("deliveries"), results);
        return json;
    }

    /** 422 when an endpoint named in the send does not take its event type. */
    private void refuseUnsubscribed(List<String> targets, List<String> endpointIds, String eventType) {
        List<FieldError> errors = new ArrayList<>();
        for (String target : targets) {
            FieldError error = EventTypeChecks.unsubscribed(api, target, "endpoints[" + endpointIds.indexOf(target) + "]", eventType);
            if (error != null) {
                errors.add(error);
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException(422, "not_subscribed", errors.size() == 1 ? errors.get(0).message()
                    : errors.size() + " endpoints do not subscribe to event type " + eventType, errors);
        }
    }

    /** 409 when the key was used before for a different event type or payload (a retry must repeat the same body). */
    private void refuseKeyReuse(String key, String eventType, String payload, List<String> targets) {
        for (String endpointId : targets) {
            api.queries().messageIdForIdempotencyKey(endpointId, key)
                    .ifPresent(messageId -> refuseIfDifferent(messageId, key, eventType, payload));
        }
    }

    private void refuseIfDifferent(String messageId, String key, String eventType, String payload) {
        StoredMessage original = api.queries().message(messageId).orElse(null);
        if (original == null) {
            return;
        }
        // The same JSON value counts as the same payload, however it is spaced; numbers compare exactly.
        boolean same;
        try {
            same = original.eventType().equals(eventType)
                    && (original.payload().equals(payload) || Json.read(original.payload()).equals(Json.read(payload)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            same = false;
        }
        if (!same) {
            throw ApiException.conflict("idempotency key '" + key + "' was already used for message " + messageId
                    + " with a different event type or payload; use a new key for a new message");
        }
    }

    private void list(Context ctx) {
        List<FieldError> errors = new ArrayList<>();
        String endpointId = ctx.queryParam("endpoint");
        if (endpointId != null && !Routes.ID.matcher(endpointId).matches()) {
            errors.add(new FieldError("endpoint", "is not an endpoint id (1 to 64 letters, digits, '_' or '-')"));
            endpointId = null;
        }
        DeliveryState state = null;
        String stateText = ctx.queryParam("state");
        if (stateText != null) {
            try {
                state = DeliveryState.valueOf(stateText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("state", "must be one of " + java.util.Arrays.toString(DeliveryState.values()).toLowerCase(Locale.ROOT)
                        + " (was " + stateText + ")"));
            }
        }
        String eventType = ctx.queryParam("eventType");
        if (eventType != null && (eventType.isEmpty() || eventType.length() > 255)) {
            errors.add(new FieldError("eventType", "must be 1 to 255 characters"));
        }
        Instant since = null;
        String sinceText = ctx.queryParam("since");
        if (sinceText != null) {
            since = Body.parseInstant(sinceText).orElse(null);
            if (since == null) {
                errors.add(new FieldError("since", "must be an ISO-8601 UTC time between 1970 and 9999 such as 2025-01-31T21:30:00Z"));
            }
        }
        int limit = DEFAULT_PAGE;
        String limitText = ctx.queryParam("limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
                if (limit < 1 || limit > MAX_PAGE) {
                    errors.add(new FieldError("limit", "must be between 1 and " + MAX_PAGE + " (was " + limit + ")"));
                }
            } catch (NumberFormatException e) {
                errors.add(new FieldError("limit", "must be a whole number (was " + limitText + ")"));
            }
        }
        Long beforeSeq = null;
        String cursor = ctx.queryParam("cursor");
        if (cursor != null) {
            beforeSeq = Cursor.decode(cursor).orElse(null);
            if (beforeSeq == null) {
                errors.add(new FieldError("cursor", "is not a cursor this server issued; pass nextCursor from the previous page unchanged"));
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
        DeliveryPage page = api.queries().deliveries(new DeliveryQuery(endpointId, state, eventType, since, beforeSeq, limit));
        ObjectNode json = Json.object();
        ArrayNode data = json.putArray("data");
        for (DeliveryPage.DeliveryRow row : page.rows()) {
            data.add(Views.delivery(row.delivery(), row.eventType()));
        }
        if (page.nextBeforeSeq() == null) {
            json.putNull("nextCursor");
        } else {
            json.put("nextCursor", Cursor.encode(page.nextBeforeSeq()));
        }
        Routes.json(ctx, 200, json);
    }

    private void read(Context ctx) {
        String id = Routes.pathId(ctx, "message");
        StoredMessage message = api.queries().message(id).orElseThrow(() -> ApiException.notFound("message", id));
        ObjectNode json = Json.object();
        json.put("id", message.id());
        json.put("eventType", message.eventType());
        json.put("idempotencyKey", message.idempotencyKey());
        Views.putInstant(json, "createdAt", message.createdAt());
        // The payload as it was sent and stored, not re-serialised (see Body.requiredRawJson).
        json.putRawValue("payload", new com.fasterxml.jackson.databind.util.RawValue(message.payload()));
        ArrayNode deliveries = json.putArray("deliveries");
        for (Delivery delivery : api.deliveries().deliveriesOfMessage(id)) {
            ObjectNode entry = Views.delivery(delivery, message.eventType());
            ArrayNode attempts = entry.putArray("attempts");
            api.deliveries().attempts(delivery.id()).forEach(a -> attempts.add(Views.attempt(a)));
            deliveries.add(entry);
        }
        Routes.json(ctx, 200, json);
    }

    private void readDelivery(Context ctx) {
        String id = Routes.pathId(ctx, "delivery");
        Delivery delivery = api.deliveries().delivery(id).orElseThrow(() -> ApiException.notFound("delivery", id));
        ObjectNode json = Views.delivery(delivery, api.queries().message(delivery.messageId()).map(StoredMessage::eventType).orElse(null));
        ArrayNode attempts = json.putArray("attempts");
        api.deliveries().attempts(id).forEach(a -> attempts.add(Views.attempt(a)));
        Routes.json(ctx, 200, json);
    }

    private void replayDelivery(Context ctx) {
        String id = Routes.pathId(ctx, "delivery");
        Delivery delivery = api.deliveries().delivery(id).orElseThrow(() -> ApiException.notFound("delivery", id));
        if (!api.deliveries().replay(id)) {
            throw ApiException.conflict("delivery " + id + " is " + delivery.state() + "; only failed deliveries can be replayed");
        }
        ObjectNode json = Json.object();
        json.put("deliveryId", id);
        json.put("replayed", true);
        Routes.json(ctx, 202, json);
    }

    private void replayMessage(Context ctx) {
        String id = Routes.pathId(ctx, "message");
        api.queries().message(id).orElseThrow(() -> ApiException.notFound("message", id));
        int replayed = 0;
        for (Delivery delivery : api.deliveries().deliveriesOfMessage(id)) {
            if (delivery.state() == DeliveryState.FAILED && api.deliveries().replay(delivery.id())) {
                replayed++;
            }
        }
        ObjectNode json = Json.object();
        json.put("messageId", id);
        json.put("replayed", replayed);
        Routes.json(ctx, 202, json);
    }

    /** Opaque page cursors: base64url of the enqueue position, so clients pass them back unchanged. */
    static final class Cursor {

        private Cursor() {}

        static String encode(long seq) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + seq).getBytes(StandardCharsets.US_ASCII));
        }

        static Optional<Long> decode(String cursor) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
                return text.startsWith("s") ? Optional.of(Long.parseLong(text.substring(1))) : Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }
}
