package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What happens to the bodies of failed attempts, and what the caller learns when retries run out. */
class ResponseHandlingTest {

    final VirtualTime time = new VirtualTime();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient.Builder client(HttpClient jdk) {
        return ResilientHttpClient.builder(jdk).name("reports").time(time).backoff(Backoff.none());
    }

    @Test
    void drainsFailedAttemptBodiesSoTheConnectionIsReused() throws Exception {
        // A stream handler would leave each failed body unread, and its connection unusable, if the
        // client handed the failed responses' streams to nobody. Drained, one connection serves them all.
        server = ScriptedServer.start().then(
                respond(503, "a".repeat(20_000)), respond(500, "b".repeat(20_000)), respond(200, "report"));
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<InputStream> response = client(jdk).build()
                .send(HttpRequest.newBuilder(server.uri("/reports/1")).build(), BodyHandlers.ofInputStream());

        try (InputStream body = response.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("report");
        }
        assertThat(server.received()).hasSize(3).extracting(ScriptedServer.Received::remotePort).containsOnly(server.received().get(0).remotePort());
    }

    @Test
    void exhaustionNamesTheUrlWithoutSecretsAndKeepsTheLastErrorBody() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503, "{\"error\":\"maintenance\"}"));
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI secretive = URI.create("http://ops:hunter2@127.0.0.1:" + server.port() + "/reports/1?api_key=sk_live_123#frag");

        assertThatThrownBy(() -> client(jdk).maxAttempts(3).build().send(HttpRequest.newBuilder(secretive).build(), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted).hasMessage("GET http://127.0.0.1:" + server.port() + "/reports/1 failed after 3 attempts"
                            + " in 0 ms (max attempts 3 reached); last outcome: HTTP 503");
                    assertThat(exhausted.url()).isEqualTo("http://127.0.0.1:" + server.port() + "/reports/1");
                    assertThat(exhausted.lastResponse().orElseThrow().body()).asString(StandardCharsets.UTF_8)
                            .isEqualTo("{\"error\":\"maintenance\"}");
                    assertThat(exhausted.lastFailure()).isEmpty();
                    String everything = exhausted + " " + exhausted.getCause();
                    assertThat(everything).doesNotContain("hunter2").doesNotContain("sk_live").doesNotContain("frag");
                });
        assertThat(server.received()).extracting(ScriptedServer.Received::query).containsOnly("api_key=sk_live_123");
    }

    @Test
    void exhaustionAfterNetworkFailuresNamesTheLastError() {
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        assertThatThrownBy(() -> client(jdk).maxAttempts(2).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/x")).build(), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted).hasMessageStartingWith("GET http://127.0.0.1:1/x failed after 2 attempts")
                            .hasMessageContaining("last outcome: connection refused (java.net.ConnectException");
                    assertThat(exhausted.lastStatus()).isEmpty();
                    assertThat(exhausted.lastFailure()).get().isInstanceOf(java.net.ConnectException.class);
                    assertThat(exhausted.getCause().getSuppressed()).hasSize(1);
                });
    }

    @Test
    void keepsOnlyTheConfiguredShareOfALargeErrorBody() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(500, "z".repeat(10_000)));
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        assertThatThrownBy(() -> client(jdk).maxAttempts(2).maxBufferedErrorBody(100).build()
                .send(HttpRequest.newBuilder(server.uri("/big")).build(), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class,
                        exhausted -> assertThat(exhausted.lastResponse().orElseThrow().body()).hasSize(100));
    }

    @Test
    void rejectsBadSettingsWithTheFieldAndTheClientName() {
        HttpClient jdk = HttpClient.newHttpClient();

        assertThatThrownBy(() -> client(jdk).maxAttempts(0).build())
                .hasMessage("maxAttempts must be at least 1 (was 0) in ResilientHttpClient 'reports'");
        assertThatThrownBy(() -> client(jdk).attemptTimeout(java.time.Duration.ZERO).build())
                .hasMessage("attemptTimeout must be positive (was PT0S) in ResilientHttpClient 'reports'");
        assertThatThrownBy(() -> client(jdk).maxDuration(java.time.Duration.ofSeconds(-1)).build())
                .hasMessage("maxDuration must be positive (was PT-1S) in ResilientHttpClient 'reports'");
        assertThatThrownBy(() -> ResilientHttpClient.builder(client(jdk).build()))
                .hasMessageContaining("already a ResilientHttpClient");
    }
}
