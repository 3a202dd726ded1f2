package dev.endure.server.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where a client command finds the server and which key it uses. */
final class RemoteOptions {

    @Option(names = "--url", defaultValue = "${ENDURE_URL:-http://127.0.0.1:8080}", description = "server URL (env ENDURE_URL; default ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--api-key", defaultValue = "${ENDURE_API_KEY}", description = "API key (env ENDURE_API_KEY)")
    String apiKey;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> call(String method, String path, String body, String idempotencyKey) throws IOException, InterruptedException {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("no API key: pass --api-key or set ENDURE_API_KEY");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
