package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryEvent;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A listener that takes its time never delays a retry: the gap the server sees is the backoff, listeners included. */
class SlowListenerTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final VirtualTime time = new VirtualTime();
    final List<Instant> requestsAt = new CopyOnWriteArrayList<>();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** Takes 300 ms (of the client's clock) on every event, like a listener writing to a slow sink. */
    void slowListener(RetryEvent event) {
        time.advance(Duration.ofMillis(300));
    }

    @Test
    void theGapBetweenAttemptsIsTheBackoffWhateverTheListenersCost() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(503), respond(200, "ok"));
        ResilientHttpClient client = ResilientHttpClient.builder(JDK).name("quotes").time(time).backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .listener(this::slowListener).listener(event -> {
                    if (event instanceof RetryEvent.AttemptFailed || event instanceof RetryEvent.Succeeded) {
                        requestsAt.add(time.instant().minusMillis(300)); // when this attempt's outcome arrived
                    }
                }).build();

        assertThat(client.send(HttpRequest.newBuilder(server.uri("/quotes")).build(), BodyHandlers.ofString()).body()).isEqualTo("ok");

        // each outcome costs two slow events (AttemptFailed, RetryScheduled): 600 ms of the 1 s wait
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(400), Duration.ofMillis(400));
        assertThat(Duration.between(requestsAt.get(0), requestsAt.get(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(Duration.between(requestsAt.get(1), requestsAt.get(2))).isEqualTo(Duration.ofSeconds(1));
        assertThat(server.requestCount()).isEqualTo(3);
    }
}
