package dev.endure.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.server.auth.Scope;
import dev.endure.server.schema.PayloadSchema;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;

/**
 * {@code /api/event-types}: the catalogue of event types messages are sent with. Create (with an optional JSON
 * Schema every payload of the type must match), list, read, archive. Archived types can no longer be sent or
 * subscribed to; they stay readable, and their name stays taken.
 */
final class EventTypeRoutes {

    private final ApiContext api;

    EventTypeRoutes(ApiContext api) {
        this.api = api;
    }

    void register(RoutesConfig routes, Auth auth) {
        routes.post("/api/event-types", auth.require(Scope.MANAGE, Routes.noQuery(this::create)));
        routes.get("/api/event-types", auth.require(Scope.READ, Routes.query(Set.of("includeArchived"), this::list)));
        routes.get("/api/event-types/{name}", auth.require(Scope.READ, Routes.noQuery(this::read)));
        routes.post("/api/event-types/{name}/archive", auth.require(Scope.MANAGE, Routes.noQuery(this::archive)));
    }

    private void create(Context ctx) {
        Body body = Routes.body(ctx, api);
        String name = body.requiredString("name");
        if (name != null && !EventType.NAME.matcher(name).matches()) {
            body.reject("name", "must be 1 to 255 letters, digits, '.', '_' or '-' (was '" + name + "')");
        }
        String description = body.optionalString("description", 0, 1000).orElse("");
        String schema = null;
        if (body.has("schema")) {
            schema = body.requiredRawJson("schema");
            try {
                JsonNode parsed = Json.read(schema);
                if (!parsed.isObject() && !parsed.isBoolean()) {
                    body.reject("schema", "must be a JSON Schema: an object (or true / false)");
                } else {
                    PayloadSchema.compile(parsed);
                }
            } catch (PayloadSchema.InvalidSchemaException e) {
                body.reject("schema", e.getMessage());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                body.reject("schema", "is not JSON");
            }
        } else {
            body.optionalObject("schema"); // null is "no schema"; marks the field as known
        }
        body.finish();
        try {
            EventType created = api.eventTypes().create(name, description, schema);
            Routes.json(ctx, 201, view(created));
        } catch (EventTypeException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }

    private void list(Context ctx) {
        String include = ctx.queryParam("includeArchived");
        if (include != null && !include.equals("true") && !include.equals("false")) {
            throw ApiException.invalid("includeArchived", "must be true or false (was " + include + ")");
        }
        ObjectNode json = Json.object();
        ArrayNode data = json.putArray("data");
        for (EventType eventType : api.eventTypes().eventTypes("true".equals(include))) {
            data.add(view(eventType));
        }
        Routes.json(ctx, 200, json);
    }

    private void read(Context ctx) {
        Routes.json(ctx, 200, view(existing(ctx)));
    }

    private void archive(Context ctx) {
        EventType eventType = existing(ctx);
        try {
            Routes.json(ctx, 200, view(api.eventTypes().archive(eventType.name())));
        } catch (EventTypeException e) {
            throw ApiException.notFound("event type", eventType.name());
        }
    }

    private EventType existing(Context ctx) {
        String name = ctx.pathParam("name");
        if (!EventType.NAME.matcher(name).matches()) {
            throw new ApiException(404, "not_found", "event type '" + Routes.shorten(name)
                    + "' does not exist (names are 1 to 255 letters, digits, '.', '_' or '-')", List.of());
        }
        return api.eventTypes().eventType(name).orElseThrow(() -> ApiException.notFound("event type", name));
    }

    static ObjectNode view(EventType eventType) {
        ObjectNode json = Json.object();
        json.put("name", eventType.name());
        json.put("description", eventType.description());
        if (eventType.payloadSchema() == null) {
            json.putNull("schema");
        } else {
            json.putRawValue("schema", new com.fasterxml.jackson.databind.util.RawValue(eventType.payloadSchema()));
        }
        json.put("archived", eventType.archived());
        Views.putInstant(json, "createdAt", eventType.createdAt());
        Views.putInstant(json, "updatedAt", eventType.updatedAt());
        return json;
    }
}
