package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryEvent;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request that may already have had its effect is repeated only when that is known to be safe. */
class IdempotencyGuardTest {

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

    ResilientHttpClient.Builder client() {
        return ResilientHttpClient.builder(JDK).name("payments").time(time).backoff(Backoff.none()).listener(events::add);
    }

    @Test
    void doesNotRetryAPostWithoutAnIdempotencyKey() throws Exception {
        server = ScriptedServer.start().then(respond(503, "busy"), respond(201, "charged"));
        HttpRequest charge = HttpRequest.newBuilder(server.uri("/charges")).POST(BodyPublishers.ofString("{\"cents\":500}")).build();

        HttpResponse<String> response = client().build().send(charge, BodyHandlers.ofString());

        // exactly what the plain client would have returned, and the charge was not sent twice
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("busy");
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(events).anySatisfy(event -> assertThat(event).isInstanceOfSatisfying(RetryEvent.FailedPermanently.class,
                permanent -> assertThat(permanent.verdict().reason()).get().asString()
                        .startsWith("HTTP 503; not retried: the method is not idempotent and no Idempotency-Key header was sent")));
    }

    @Test
    void retriesAPostWhoseConnectionWasRefusedBecauseNothingWasSent() throws Exception {
        // Issue 13 item 3: a refused connection proves no byte left, so even a POST may be sent again.
        HttpRequest charge = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/charges")).POST(BodyPublishers.ofString("{}")).build();

        assertThatThrownBy(() -> client().build().send(charge, BodyHandlers.ofString()))
                .isInstanceOf(HttpRetriesExhaustedException.class).hasMessageContaining("connection refused");
        assertThat(events).filteredOn(RetryEvent.RetryScheduled.class::isInstance).isNotEmpty();
    }

    @Test
    void retriesAPostThatCarriesAnIdempotencyKey() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(201, "charged"));
        HttpRequest charge = HttpRequest.newBuilder(server.uri("/charges"))
                .header("Idempotency-Key", "b7c4e3a0-charge-42")
                .POST(BodyPublishers.ofString("{\"cents\":500}")).build();

        HttpResponse<String> response = client().build().send(charge, BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(server.received()).hasSize(2)
                .allSatisfy(received -> {
                    assertThat(received.header("Idempotency-Key")).isEqualTo("b7c4e3a0-charge-42");
                    assertThat(received.body()).isEqualTo("{\"cents\":500}");
                });
    }

    @Test
    void retriesAPatchOnlyWithTheExplicitOptIn() throws Exception {
        server = ScriptedServer.start().then(respond(502), respond(502), respond(200, "patched"));
        HttpRequest patch = HttpRequest.newBuilder(server.uri("/profile")).method("PATCH", BodyPublishers.ofString("{}")).build();

        assertThat(client().build().send(patch, BodyHandlers.ofString()).statusCode()).isEqualTo(502);
        HttpResponse<String> optedIn = client().rules(HttpRetryRules.builder().retryNonIdempotentMethods().build()).build()
                .send(patch, BodyHandlers.ofString());

        assertThat(optedIn.statusCode()).isEqualTo(200);
        assertThat(server.requestCount()).isEqualTo(3);
    }
}
