package dev.endure.server.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where a client command finds the server and which key it uses; turns an unreachable server into one clear line. */
final class RemoteOptions {

    static final String EXAMPLE_URL = "http://127.0.0.1:8080";

    @Option(names = "--url", defaultValue = "${ENDURE_URL:-" + EXAMPLE_URL + "}",
            description = "server URL (env ENDURE_URL; default ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--api-key", defaultValue = "${ENDURE_API_KEY}", description = "API key (env ENDURE_API_KEY)")
    String apiKey;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Checks the options before anything is sent, so a mistake is reported as a mistake and not as a network failure. */
    URI base() {
        URI parsed;
        try {
            parsed = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw badUrl();
        }
        String scheme = parsed.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || parsed.getHost() == null) {
            throw badUrl();
        }
        return parsed;
    }

    private CliException badUrl() {
        return CliException.usage("--url '" + url + "' is not a server URL; give scheme, host and port, e.g. --url " + EXAMPLE_URL);
    }

    private String key() {
        if (apiKey == null || apiKey.isBlank()) {
            throw CliException.usage("no API key: pass --api-key ek_… or set ENDURE_API_KEY "
                    + "(serve prints one at start; make lasting ones with: endure keys new --name me)");
        }
        return apiKey.trim();
    }

    HttpResponse<String> call(String method, String path, String body, String idempotencyKey) throws InterruptedException {
        URI base = base();
        String key = key();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/+$", "") + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "no answer from " + base + " within the timeout — is the server overloaded "
                    + "or the address behind a firewall? check with: curl " + base + "/health/ready");
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "cannot reach " + base + reason(e) + " — is the server running? "
                    + "start it with: endure serve (or pass --url)");
        }
        if (response.statusCode() == 401) {
            throw new CliException(ExitCodes.REFUSED, "the server at " + base + " refused the API key (401); check --api-key or ENDURE_API_KEY");
        }
        return response;
    }

    private static String reason(IOException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.nio.channels.UnresolvedAddressException) {
                return " (unknown host)";
            }
            if (cause.getMessage() != null && !cause.getMessage().isBlank() && !(cause instanceof java.net.ConnectException)) {
                return " (" + cause.getMessage() + ")";
            }
        }
        return " (connection refused)";
    }
}
