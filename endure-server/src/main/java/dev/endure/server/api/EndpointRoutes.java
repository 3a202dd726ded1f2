package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointPolicy;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.InvalidPolicyException;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.config.DurationText;
import dev.endure.server.auth.Scope;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code /api/endpoints}: create (the secret is shown once), list, read, change, delete, rotate, enable, disable, replay. */
final class EndpointRoutes {

    private static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);

    private final ApiContext api;

    EndpointRoutes(ApiContext api) {
        this.api = api;
    }

    void register(RoutesConfig routes, Auth auth) {
        routes.post("/api/endpoints", auth.require(Scope.MANAGE, Routes.noQuery(this::create)));
        routes.get("/api/endpoints", auth.require(Scope.READ, Routes.noQuery(this::list)));
        routes.get("/api/endpoints/{id}", auth.require(Scope.READ, Routes.noQuery(this::read)));
        routes.patch("/api/endpoints/{id}", auth.require(Scope.MANAGE, Routes.noQuery(this::update)));
        routes.delete("/api/endpoints/{id}", auth.require(Scope.MANAGE, Routes.noQuery(this::delete)));
        routes.post("/api/endpoints/{id}/rotate-secret", auth.require(Scope.MANAGE, Routes.noQuery(this::rotate)));
        routes.post("/api/endpoints/{id}/enable", auth.require(Scope.MANAGE, Routes.noQuery(this::enable)));
        routes.post("/api/endpoints/{id}/disable", auth.require(Scope.MANAGE, Routes.noQuery(this::disable)));
        routes.post("/api/endpoints/{id}/replay", auth.require(Scope.MANAGE, Routes.noQuery(this::replay)));
    }

    private void create(Context ctx) {
        Body body = Routes.body(ctx, api);
        String id = body.optionalString("id", 1, 64).orElse(null);
        if (id != null && !Routes.ID.matcher(id).matches()) {
            body.reject("id", "must be 1 to 64 letters, digits, '_' or '-' (was '" + id + "')");
        }
        URI url = body.optionalUrl("url").orElse(null);
        if (url == null && !body.has("url")) {
            body.reject("url", "is required");
        }
        Settings settings = Settings.read(body);
        settings.check(body, api.policy());
        Set<String> eventTypes = subscription(body);
        body.finish();
        checkSubscribable(eventTypes);
        String endpointId = id != null ? id : "ep_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        if (api.deliveries().endpoint(endpointId).isPresent()) {
            throw ApiException.conflict("endpoint " + endpointId + " already exists");
        }
        WebhookSecret secret = WebhookSecret.generate();
        Endpoint endpoint = settings.applyTo(Endpoint.of(endpointId, url, secret));
        try {
            api.deliveries().createEndpoint(endpoint, eventTypes == null ? Set.of() : eventTypes);
        } catch (IllegalArgumentException refused) {
            throw targetRefused(url, refused);
        }
        ObjectNode json = withSubscription(Views.endpoint(endpoint, null, api.breakerStates().apply(endpointId)), eventTypes);
        // The only answer that carries the secret: the receiver needs it to verify signatures.
        json.put("secret", secret.encoded());
        Routes.json(ctx, 201, json);
    }

    private void list(Context ctx) {
        ObjectNode json = Json.object();
        ArrayNode data = json.putArray("data");
        Map<String, Set<String>> subscriptions = api.eventTypes().subscriptions();
        for (Endpoint endpoint : api.deliveries().endpoints()) {
            data.add(withSubscription(Views.endpoint(endpoint, api.deliveries().stats(endpoint.id()), api.breakerStates().apply(endpoint.id())),
                    subscriptions.get(endpoint.id())));
        }
        Routes.json(ctx, 200, json);
    }

    private void read(Context ctx) {
        Endpoint endpoint = existing(ctx);
        Routes.json(ctx, 200, withSubscription(Views.endpoint(endpoint, api.deliveries().stats(endpoint.id()),
                api.breakerStates().apply(endpoint.id())), api.eventTypes().subscriptions(endpoint.id())));
    }

    private void update(Context ctx) {
        Endpoint endpoint = existing(ctx);
        Body body = Routes.body(ctx, api);
        URI url = body.optionalUrl("url").orElse(null);
        Settings settings = Settings.read(body);
        settings.check(body, api.policy());
        boolean resetToEveryType = body.isExplicitNull("eventTypes");
        Set<String> eventTypes = subscription(body);
        body.finish();
        checkSubscribable(eventTypes);
        if (url != null) {
            endpoint = endpoint.withUrl(url);
        }
        Endpoint updated = settings.applyTo(endpoint);
        try {
            api.deliveries().updateEndpoint(updated);
        } catch (IllegalArgumentException refused) {
            throw targetRefused(url, refused);
        }
        if (eventTypes != null || resetToEveryType) {
            try {
                api.eventTypes().subscribe(updated.id(), eventTypes == null ? Set.of() : eventTypes);
            } catch (EventTypeException e) {
                throw EventTypeChecks.refused(e, "eventTypes");
            } catch (IllegalArgumentException gone) {
                throw ApiException.notFound("endpoint", updated.id());
            }
        }
        Routes.json(ctx, 200, withSubscription(Views.endpoint(updated, null, api.breakerStates().apply(updated.id())),
                api.eventTypes().subscriptions(updated.id())));
    }

    private void delete(Context ctx) {
        String id = Routes.pathId(ctx, "endpoint");
        try {
            if (!api.deliveries().deleteEndpoint(id)) {
                throw ApiException.notFound("endpoint", id);
            }
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        ctx.status(204);
    }

    private void rotate(Context ctx) {
        Endpoint endpoint = existing(ctx);
        Duration overlap = DEFAULT_OVERLAP;
        if (ctx.bodyAsBytes().length > 0) {
            Body body = Routes.body(ctx, api);
            overlap = body.optionalDuration("overlap", Duration.ZERO, Duration.ofDays(30)).orElse(DEFAULT_OVERLAP);
            body.finish();
        }
        WebhookSecret next = WebhookSecret.generate();
        Instant now = api.deliveries().now();
        api.deliveries().rotateSecret(endpoint.id(), next, overlap);
        ObjectNode json = Json.object();
        json.put("endpointId", endpoint.id());
        json.put("secret", next.encoded());
        Views.putInstant(json, "previousSecretSignsUntil", now.plus(overlap));
        Routes.json(ctx, 200, json);
    }

    private void enable(Context ctx) {
        Endpoint endpoint = existing(ctx);
        int resumed = api.deliveries().enable(endpoint.id());
        ObjectNode json = Json.object();
        json.put("endpointId", endpoint.id());
        json.put("enabled", true);
        json.put("alreadyEnabled", resumed < 0);
        json.put("resumed", Math.max(resumed, 0));
        Routes.json(ctx, 200, json);
    }

    private void disable(Context ctx) {
        Endpoint endpoint = existing(ctx);
        String reason = "disabled by an operator";
        if (ctx.bodyAsBytes().length > 0) {
            Body body = Routes.body(ctx, api);
            reason = body.optionalString("reason", 1, 500).orElse(reason);
            body.finish();
        }
        boolean changed = api.deliveries().disable(endpoint.id(), reason);
        ObjectNode json = Json.object();
        json.put("endpointId", endpoint.id());
        json.put("enabled", false);
        json.put("alreadyDisabled", !changed);
        Routes.json(ctx, 200, json);
    }

    private void replay(Context ctx) {
        Endpoint endpoint = existing(ctx);
        Body body = Routes.body(ctx, api);
        Instant since = body.optionalInstant("since").orElse(null);
        if (since == null && !body.has("since")) {
            body.reject("since", "is required: replay the failures that ended at or after this time (ISO-8601, e.g. 2025-01-31T00:00:00Z)");
        }
        body.finish();
        int replayed = api.deliveries().replayFailed(endpoint.id(), since);
        ObjectNode json = Json.object();
        json.put("endpointId", endpoint.id());
        json.put("replayed", replayed);
        Routes.json(ctx, 202, json);
    }

    /**
     * The {@code eventTypes} field: the event types the endpoint takes, or null when left out (or null: every
     * type). An empty list is refused, so "takes nothing" is never mistaken for "takes everything".
     */
    private static Set<String> subscription(Body body) {
        boolean given = body.has("eventTypes");
        List<String> names = body.optionalStringList("eventTypes", 100);
        if (!given) {
            return null;
        }
        if (names.isEmpty() && !body.isExplicitNull("eventTypes")) {
            body.reject("eventTypes", "must name at least one event type (leave it out, or send null, to take every type)");
        }
        for (int i = 0; i < names.size(); i++) {
            if (!EventType.NAME.matcher(names.get(i)).matches()) {
                body.reject("eventTypes[" + i + "]", "is not an event type name (1 to 255 letters, digits, '.', '_' or '-')");
            }
        }
        return new TreeSet<>(names);
    }

    /** 422 naming {@code eventTypes[i]} for a type not in the catalogue or archived. */
    private void checkSubscribable(Set<String> eventTypes) {
        if (eventTypes == null) {
            return;
        }
        List<String> names = List.copyOf(eventTypes);
        for (int i = 0; i < names.size(); i++) {
            try {
                api.eventTypes().checkSubscribable(List.of(names.get(i)));
            } catch (EventTypeException e) {
                throw EventTypeChecks.refused(e, "eventTypes[" + i + "]");
            }
        }
    }

    /** The endpoint's subscription in its view: the event types it takes, or null for every type. */
    private static ObjectNode withSubscription(ObjectNode json, Set<String> eventTypes) {
        if (eventTypes == null || eventTypes.isEmpty()) {
            json.putNull("eventTypes");
        } else {
            ArrayNode types = json.putArray("eventTypes");
            eventTypes.forEach(types::add);
        }
        return json;
    }

    private Endpoint existing(Context ctx) {
        String id = Routes.pathId(ctx, "endpoint");
        return api.deliveries().endpoint(id).orElseThrow(() -> ApiException.notFound("endpoint", id));
    }

    /**
     * The 400 for a URL the SSRF guard refuses: refused at registration what the worker would refuse at
     * every attempt, so the mistake shows at once.
     */
    private static ApiException targetRefused(URI url, IllegalArgumentException refused) {
        if (refused.getCause() instanceof dev.endure.delivery.ssrf.SsrfBlockedException blocked) {
            return ApiException.invalid("url", blocked.getMessage() + " (allow it with delivery.allowTargets if it is intended)");
        }
        if (refused.getCause() instanceof java.net.UnknownHostException) {
            return ApiException.invalid("url", "host " + (url == null ? "" : url.getHost()) + " does not resolve");
        }
        throw refused;
    }

    /** The optional settings shared by create and update. */
    private record Settings(Double rateLimit, Integer maxConcurrency, Boolean ordered, EndpointPolicy policy) {

        static Settings read(Body body) {
            Double rateLimit = body.optionalNumber("rateLimitPerSecond", 0, 100_000).orElse(null);
            Integer maxConcurrency = body.optionalInt("maxConcurrency", 0, 10_000).orElse(null);
            Boolean ordered = body.optionalBoolean("ordered").orElse(null);
            EndpointPolicy policy = body.optionalObject("policy").map(p -> {
                EndpointPolicy value = EndpointPolicy.NONE;
                Duration initial = p.optionalDuration("initial", Duration.ofMillis(1), Duration.ofDays(1)).orElse(null);
                Double multiplier = p.optionalNumber("multiplier", 1.0, 10.0).orElse(null);
                Duration cap = p.optionalDuration("cap", Duration.ofMillis(1), Duration.ofDays(1)).orElse(null);
                Duration maxDuration = p.optionalDuration("maxDuration", Duration.ofMillis(1), Duration.ofDays(30)).orElse(null);
                Integer maxAttempts = p.optionalInt("maxAttempts", 1, 1000).orElse(null);
                Duration timeout = p.optionalDuration("timeout", Duration.ofMillis(1), Duration.ofMinutes(10)).orElse(null);
                p.finishNested();
                value = initial == null ? value : value.withInitial(initial);
                value = multiplier == null ? value : value.withMultiplier(multiplier);
                value = cap == null ? value : value.withCap(cap);
                value = maxDuration == null ? value : value.withMaxDuration(maxDuration);
                value = maxAttempts == null ? value : value.withMaxAttempts(maxAttempts);
                return timeout == null ? value : value.withTimeout(timeout);
            }).orElse(null);
            return new Settings(rateLimit, maxConcurrency, ordered, policy);
        }

        /**
         * Records, under {@code policy.<field>}, an override the worker could not run with the server's
         * policy: the same check the worker applies before each send.
         */
        void check(Body body, DeliveryPolicy serverPolicy) {
            if (policy == null || serverPolicy == null) {
                return;
            }
            try {
                serverPolicy.forEndpoint(policy);
            } catch (InvalidPolicyException e) {
                body.reject("policy." + e.field(), e.reason());
            }
        }

        Endpoint applyTo(Endpoint endpoint) {
            Endpoint result = endpoint;
            result = rateLimit == null ? result : result.withRateLimit(rateLimit);
            result = maxConcurrency == null ? result : result.withMaxConcurrency(maxConcurrency);
            result = ordered == null ? result : result.withOrdered(ordered);
            return policy == null ? result : result.withPolicy(policy);
        }
    }
}
