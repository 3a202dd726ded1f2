package dev.endure.http.examples;

import dev.endure.http.HttpRetryLogger;
import dev.endure.http.ResilientHttpClient;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seed 004's billing client, rebuilt on endure-http: the retry loop, the status table, Retry-After and
 * the {@code billing_service_retry} log lines all come from the library; what is left is the billing API.
 * Unlike the seed, {@code createProvider} sends an {@code Idempotency-Key}, so retrying the POST cannot
 * create the provider twice, and the backoff has jitter.
 */
public final class BillingClient {

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    private final HttpClient http;
    private final URI base;

    /** The production shape: system clock, structured lines to System.Logger {@code dev.endure.http.retry}. */
    public static BillingClient create(URI base) {
        return new BillingClient(base, builder -> builder.listener(HttpRetryLogger.toSystemLogger("billing_service")));
    }

    /**
     * @param customise last say over the client, e.g. a virtual clock and a log sink in tests
     */
    public BillingClient(URI base, UnaryOperator<ResilientHttpClient.Builder> customise) {
        this.base = base;
        ResilientHttpClient.Builder builder = ResilientHttpClient.builder(HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build())
                .name("billing")
                .maxAttempts(4)                                                   // 1 try + 3 retries
                .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0)         // 0.5 s, 1 s, 2 s ...
                        .withCap(Duration.ofSeconds(8)).withJitter(Jitter.proportional(0.1)))
                .attemptTimeout(Duration.ofSeconds(5))
                .maxDuration(Duration.ofSeconds(20));
        this.http = customise.apply(builder).build();
    }

    /** Creates a provider and returns its id; the same company always uses the same idempotency key. */
    public long createProvider(String company) throws IOException, InterruptedException {
        String key = UUID.nameUUIDFromBytes(("create-provider:" + company).getBytes(StandardCharsets.UTF_8)).toString();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/provider"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"company\":" + jsonString(company) + "}"))
                .build();
        HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            // 400, 404, 422 ...: not retried, the request itself is wrong
            throw new BillingServiceException(response.statusCode(), "billing service answered HTTP " + response.statusCode()
                    + " to create_provider");
        }
        Matcher id = ID.matcher(response.body());
        if (!id.find()) {
            throw new BillingServiceException(response.statusCode(), "billing service answered without a provider id");
        }
        return Long.parseLong(id.group(1));
    }

    private static String jsonString(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The billing service refused the request (a status the client does not retry). */
    public static final class BillingServiceException extends IOException {
        private final int status;

        BillingServiceException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
