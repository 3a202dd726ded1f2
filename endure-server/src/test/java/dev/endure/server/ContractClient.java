package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Real HTTP to the server, every answer held to the OpenAPI document at once: a status the operation does not
 * list, another media type, or a body that does not validate fails the test there, naming the operation.
 */
final class ContractClient {

    /** One answer: status, parsed JSON (null unless JSON) and the raw text. */
    record Answer(int status, JsonNode json, String text) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final OpenApiContract contract;

    ContractClient(String baseUrl, OpenApiContract contract) {
        this.baseUrl = baseUrl;
        this.contract = contract;
    }

    /** A request with a JSON body (or none), sent with {@code key}, expected to answer {@code expected}. */
    Answer expect(int expected, String method, String path, String body, String key) {
        return expect(expected, method, path, body, body == null ? null : "application/json", key, null);
    }

    Answer expect(int expected, String method, String path, String body, String contentType, String key, String idempotencyKey) {
        String operation = contract.operationFor(method, path);
        assertThat(operation).as("%s %s is not in the OpenAPI document", method, path).isNotNull();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String type = response.headers().firstValue("Content-Type").orElse(null);
        List<String> problems = contract.check(operation, response.statusCode(), type, response.body());
        assertThat(problems).as("%s %s against the OpenAPI document", method, path).isEmpty();
        assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isEqualTo(expected);
        JsonNode json = null;
        if (type != null && type.startsWith("application/json") && !response.body().isEmpty()) {
            try {
                json = Json.read(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Answer(response.statusCode(), json, response.body());
    }
}
