package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.config.DurationText;
import dev.endure.delivery.Attempt;
import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointAttemptStats;
import dev.endure.delivery.EndpointPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** How the API shows the delivery model in JSON. Secrets never appear here (only in the creation and rotation answers). */
final class Views {

    private Views() {}

    static ObjectNode endpoint(Endpoint endpoint, EndpointAttemptStats stats, String breakerState) {
        ObjectNode json = Json.object();
        json.put("id", endpoint.id());
        json.put("url", endpoint.url().toString());
        json.put("enabled", endpoint.enabled());
        json.put("disabledReason", endpoint.disabledReason());
        putInstant(json, "disabledAt", endpoint.disabledAt());
        json.put("rateLimitPerSecond", endpoint.rateLimitPerSecond());
        json.put("maxConcurrency", endpoint.maxConcurrency());
        json.put("ordered", endpoint.ordered());
        json.set("policy", policy(endpoint.policy()));
        ArrayNode keys = json.putArray("signingKeys");
        endpoint.signingKeys().all().forEach(key -> {
            ObjectNode entry = keys.addObject();
            // Only a non-secret fingerprint, so an operator can tell keys apart during a rotation.
            entry.put("fingerprint", dev.endure.server.auth.ApiKeys.sha256(key.secret().encoded()).substring(0, 12));
            putInstant(entry, "signsUntil", key.signsUntil());
        });
        if (stats != null) {
            ObjectNode s = json.putObject("stats");
            s.put("successRate", stats.successRateInWindow());
            s.put("attemptsInWindow", stats.attemptsInWindow());
            s.put("failuresInWindow", stats.failuresInWindow());
            s.put("totalAttempts", stats.totalAttempts());
            s.put("lastError", stats.lastError());
            putInstant(s, "lastAttemptAt", stats.lastAttemptAt());
            putInstant(s, "nextAttemptAt", stats.nextAttemptAt());
        }
        json.put("breaker", breakerState);
        return json;
    }

    static ObjectNode policy(EndpointPolicy policy) {
        ObjectNode json = Json.object();
        putDuration(json, "initial", policy.initial());
        if (policy.multiplier() != null) {
            json.put("multiplier", policy.multiplier());
        }
        putDuration(json, "cap", policy.cap());
        putDuration(json, "maxDuration", policy.maxDuration());
        if (policy.maxAttempts() != null) {
            json.put("maxAttempts", policy.maxAttempts());
        }
        putDuration(json, "timeout", policy.timeout());
        return json;
    }

    static ObjectNode delivery(Delivery delivery, String eventType) {
        ObjectNode json = Json.object();
        json.put("id", delivery.id());
        json.put("messageId", delivery.messageId());
        json.put("endpointId", delivery.endpointId());
        if (eventType != null) {
            json.put("eventType", eventType);
        }
        json.put("state", delivery.state().name());
        json.put("attempts", delivery.attempts());
        json.put("idempotencyKey", delivery.idempotencyKey());
        putInstant(json, "createdAt", delivery.createdAt());
        putInstant(json, "nextAttemptAt", delivery.state() == DeliveryState.PENDING ? delivery.nextAttemptAt() : null);
        putInstant(json, "finishedAt", delivery.finishedAt());
        json.put("terminalReason", delivery.terminalReason());
        if (delivery.lastStatus() == null) {
            json.putNull("lastStatus");
        } else {
            json.put("lastStatus", delivery.lastStatus());
        }
        json.put("lastError", delivery.lastError());
        return json;
    }

    static ObjectNode attempt(Attempt attempt) {
        ObjectNode json = Json.object();
        json.put("number", attempt.number());
        putInstant(json, "startedAt", attempt.startedAt());
        json.put("latencyMs", attempt.latency().toMillis());
        if (attempt.httpStatus() == null) {
            json.putNull("httpStatus");
        } else {
            json.put("httpStatus", attempt.httpStatus());
        }
        json.put("error", attempt.error());
        json.put("responseSnippet", attempt.responseSnippet());
        json.put("outcome", attempt.outcome().name());
        putInstant(json, "nextAttemptAt", attempt.nextAttemptAt());
        json.put("terminalReason", attempt.terminalReason());
        return json;
    }

    static ObjectNode counts(Map<DeliveryState, Long> counts) {
        ObjectNode json = Json.object();
        for (DeliveryState state : DeliveryState.values()) {
            json.put(state.name(), counts.getOrDefault(state, 0L));
        }
        return json;
    }

    static void putInstant(ObjectNode json, String field, Instant value) {
        if (value == null) {
            json.putNull(field);
        } else {
            json.put(field, value.toString());
        }
    }

    private static void putDuration(ObjectNode json, String field, Duration value) {
        if (value != null) {
            json.put(field, DurationText.format(value));
        }
    }
}
