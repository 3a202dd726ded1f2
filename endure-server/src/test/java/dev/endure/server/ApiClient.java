package dev.endure.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client for the tests: real HTTP to the server on loopback. */
final class ApiClient {

    /** A response: status and parsed JSON body (null when empty). */
    record Answer(int status, JsonNode json, String text) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String key;

    ApiClient(String baseUrl, String key) {
        this.baseUrl = baseUrl;
        this.key = key;
    }

    ApiClient withKey(String other) {
        return new ApiClient(baseUrl, other);
    }

    /** Adds event types to the server's catalogue (every send names one); ones already there are fine. */
    ApiClient withEventTypes(String... names) {
        for (String name : names) {
            Answer answer = post("/api/event-types", "{\"name\":\"" + name + "\"}");
            if (answer.status() != 201 && answer.status() != 409) {
                throw new IllegalStateException("creating event type " + name + " answered " + answer.status() + ": " + answer.text());
            }
        }
        return this;
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer post(String path, String body) {
        return send("POST", path, body);
    }

    Answer send(String method, String path, String body) {
        return send(method, path, body, null);
    }

    Answer send(String method, String path, String body, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode json = null;
            if (text != null && !text.isEmpty() && response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
                json = Json.read(text);
            }
            return new Answer(response.statusCode(), json, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
