package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.RetryEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seed 004's eleven retry behaviours, each against a real HTTP server on loopback. The waits between
 * attempts run on a virtual clock (they pass instantly and are recorded); the HTTP is real.
 */
class SeedBillingBehavioursTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final VirtualTime time = new VirtualTime();
    final List<RetryEvent> events = new CopyOnWriteArrayList<>();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** Seed 004's numbers: 1 try + 3 retries, 0.5 s ×2 (0.5, 1, 2 s), no jitter so the waits are exact. */
    ResilientHttpClient.Builder billing() {
        return ResilientHttpClient.builder(JDK)
                .name("billing")
                .maxAttempts(4)
                .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0))
                .time(time)
                .listener(events::add);
    }

    /** create_provider: a POST that carries an idempotency key, so retrying it is safe. */
    HttpRequest createProvider(String company) {
        return HttpRequest.newBuilder(server.uri("/provider"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "create-" + company.hashCode())
                .POST(BodyPublishers.ofString("{\"company\":\"" + company + "\"}"))
                .build();
    }

    @Test
    void retriesInternalServerErrorsUntilTheProviderIsCreated() throws Exception {
        server = ScriptedServer.start().then(respond(500), respond(500), respond(201, "{\"id\":12345}"));

        HttpResponse<String> response = billing().build().send(createProvider("Test Company"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"id\":12345}");
        assertThat(server.requestCount()).isEqualTo(3);
        // every attempt sent the whole body again, not an empty replay
        assertThat(server.received()).extracting(ScriptedServer.Received::body).containsOnly("{\"company\":\"Test Company\"}");
    }

    @Test
    void retriesServiceUnavailable() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(201, "{\"id\":1}"));

        HttpResponse<String> response = billing().build().send(createProvider("Acme"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(events).filteredOn(RetryEvent.RetryScheduled.class::isInstance)
                .extracting(event -> ((RetryEvent.RetryScheduled) event).reason()).containsExactly("HTTP 503");
    }

    @Test
    void neverRetriesBadRequest() throws Exception {
        server = ScriptedServer.start().then(respond(400, "Invalid request"), respond(201));

        HttpResponse<String> response = billing().build().send(createProvider("Bad Request"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("Invalid request");
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(time.sleeps()).isEmpty();
        assertThat(events).anySatisfy(event -> assertThat(event).isInstanceOfSatisfying(RetryEvent.FailedPermanently.class,
                permanent -> assertThat(permanent.verdict().reason()).contains("HTTP 400")));
    }

    @Test
    void neverRetriesNotFound() throws Exception {
        server = ScriptedServer.start().then(respond(404, "no such route"), respond(201));

        HttpResponse<String> response = billing().build().send(createProvider("Nowhere"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("no such route");
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void backsOffExponentiallyOnTheVirtualClock() throws Exception {
        server = ScriptedServer.start().then(respond(500), respond(500), respond(500), respond(201));

        HttpResponse<String> response = billing().build().send(createProvider("Timing Test"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(3500));
    }

    @Test
    void respectsRetryAfterOnTooManyRequests() throws Exception {
        server = ScriptedServer.start().then(respond(429, "slow down", "Retry-After", "3"), respond(201, "{\"id\":55555}"));

        HttpResponse<String> response = billing().build().send(createProvider("Rate Limited"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"id\":55555}");
        // the server's 3 s is a floor over the 0.5 s backoff: never earlier than it asked
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(3));
        assertThat(events).filteredOn(RetryEvent.RetryScheduled.class::isInstance)
                .extracting(event -> ((RetryEvent.RetryScheduled) event).reason()).containsExactly("HTTP 429, Retry-After 3 s");
    }

    @Test
    void givesUpAfterThreeRetriesThatIsFourRequests() throws Exception {
        server = ScriptedServer.start().then(respond(500), respond(500), respond(500), respond(500, "still broken"), respond(201));
        ResilientHttpClient client = billing().build();

        assertThatThrownBy(() -> client.send(createProvider("Max Retries Test"), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted.attempts()).isEqualTo(4);
                    assertThat(exhausted.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
                    assertThat(exhausted.lastStatus()).hasValue(500);
                    assertThat(exhausted.elapsed()).isEqualTo(Duration.ofMillis(3500));
                    assertThat(exhausted.lastResponse().orElseThrow().body()).asString().isEqualTo("still broken");
                    assertThat(exhausted).hasMessage("POST " + server.uri("/provider") + " failed after 4 attempts in 3.5 s"
                            + " (max attempts 4 reached); last outcome: HTTP 500");
                });
        assertThat(server.requestCount()).isEqualTo(4);
    }

    @Test
    void recoversFromATimeout() throws Exception {
        server = ScriptedServer.start();
        server.then(server.hang(), respond(201, "{\"id\":77777}"));
        // The one place a real timer must fire: the JDK's request timeout. Nothing is asserted about time.
        ResilientHttpClient client = billing().attemptTimeout(Duration.ofMillis(250)).build();

        HttpResponse<String> response = client.send(createProvider("Timeout Recovery"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"id\":77777}");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(events).anySatisfy(event -> assertThat(event).isInstanceOfSatisfying(RetryEvent.AttemptFailed.class,
                failed -> assertThat(failed.failure()).isInstanceOf(HttpTimeoutException.class)));
    }

    @Test
    void recoversFromARefusedConnection() throws Exception {
        int port;
        try (ServerSocket reserve = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = reserve.getLocalPort();
        }
        // Nothing listens on the port for the first attempt; the server starts while the retry waits.
        AtomicReference<ScriptedServer> late = new AtomicReference<>();
        ResilientHttpClient client = billing().listener(event -> {
            if (event instanceof RetryEvent.RetryScheduled && late.get() == null) {
                try {
                    late.set(ScriptedServer.startOn(port).then(respond(201, "{\"id\":9}")));
                } catch (IOException cannotBind) {
                    throw new IllegalStateException(cannotBind);
                }
            }
        }).build();
        HttpRequest request = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/provider"))
                .header("Idempotency-Key", "k-1").POST(BodyPublishers.ofString("{}")).build();

        try {
            HttpResponse<String> response = client.send(request, BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(late.get().requestCount()).isEqualTo(1);
            assertThat(events).anySatisfy(event -> assertThat(event).isInstanceOfSatisfying(RetryEvent.AttemptFailed.class,
                    failed -> assertThat(failed.failure()).isInstanceOf(ConnectException.class)));
        } finally {
            if (late.get() != null) {
                late.get().close();
            }
        }
    }

    @Test
    void retriesBadGateway() throws Exception {
        server = ScriptedServer.start().then(respond(502), respond(201));

        assertThat(billing().build().send(createProvider("Gateway"), BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void retriesGatewayTimeout() throws Exception {
        server = ScriptedServer.start().then(respond(504), respond(201));

        assertThat(billing().build().send(createProvider("Gateway"), BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        assertThat(server.requestCount()).isEqualTo(2);
    }
}
