package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A retried request sends its whole body every time, or is refused before it is sent at all. */
class RequestBodyTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final VirtualTime time = new VirtualTime();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient client() {
        return ResilientHttpClient.builder(JDK).name("uploads").time(time).backoff(Backoff.none()).build();
    }

    @Test
    void refusesAOneShotStreamBodyBeforeTheFirstAttempt() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(200));
        InputStream once = new ByteArrayInputStream("report".getBytes(StandardCharsets.UTF_8));
        HttpRequest put = HttpRequest.newBuilder(server.uri("/reports/7?token=secret"))
                .PUT(BodyPublishers.ofInputStream(() -> once)).build();

        assertThatThrownBy(() -> client().send(put, BodyHandlers.ofString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the body of PUT " + server.uri("/reports/7") + " cannot be sent twice")
                .hasMessageContaining("ReplayableBody.of")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> client().sendAsync(put, BodyHandlers.ofString())).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void sendsAOneShotBodyWhenTheRequestWouldNotBeRetriedAnyway() throws Exception {
        server = ScriptedServer.start().then(respond(201, "created"));
        InputStream once = new ByteArrayInputStream("event".getBytes(StandardCharsets.UTF_8));
        HttpRequest post = HttpRequest.newBuilder(server.uri("/events")).POST(BodyPublishers.ofInputStream(() -> once)).build();

        assertThat(client().send(post, BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        assertThat(server.received().get(0).body()).isEqualTo("event");
    }

    @Test
    void replaysAReplayableBodyFromItsFactoryOnEveryAttempt() throws Exception {
        server = ScriptedServer.start().then(respond(500), respond(500), respond(200, "stored"));
        AtomicInteger opened = new AtomicInteger();
        HttpRequest put = HttpRequest.newBuilder(server.uri("/reports/7"))
                .PUT(ReplayableBody.of(() -> BodyPublishers.ofInputStream(() -> {
                    opened.incrementAndGet();
                    return new ByteArrayInputStream("report body".getBytes(StandardCharsets.UTF_8));
                })))
                .build();

        assertThat(client().send(put, BodyHandlers.ofString()).body()).isEqualTo("stored");
        assertThat(server.received()).extracting(ScriptedServer.Received::body).containsExactly("report body", "report body", "report body");
        assertThat(opened).hasValue(3);
    }

    @Test
    void replaysFileAndByteBodies(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("invoice.json"), "{\"invoice\":1}");
        server = ScriptedServer.start().then(respond(503), respond(200), respond(503), respond(200), respond(503), respond(200));

        for (HttpRequest.BodyPublisher body : new HttpRequest.BodyPublisher[] {
                BodyPublishers.ofFile(file), ReplayableBody.ofFile(file), ReplayableBody.ofBytes("{\"invoice\":1}".getBytes(StandardCharsets.UTF_8))}) {
            HttpRequest put = HttpRequest.newBuilder(server.uri("/invoices/1")).PUT(body).build();
            assertThat(client().send(put, BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }

        assertThat(server.received()).hasSize(6).extracting(ScriptedServer.Received::body).containsOnly("{\"invoice\":1}");
    }
}
