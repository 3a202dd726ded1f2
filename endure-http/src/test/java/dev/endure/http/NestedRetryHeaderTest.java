package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.NestedRetries;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 16: nested retries do not multiply; the mark travels as the Endure-Retry-Attempt header. */
class NestedRetryHeaderTest {

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
        return ResilientHttpClient.builder(JDK).name("inventory").time(time).backoff(Backoff.fixed(Duration.ofMillis(100))).build();
    }

    @Test
    void eachAttemptOfARetriedCallCarriesItsNumber() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        assertThatThrownBy(() -> client().send(HttpRequest.newBuilder(server.uri("/stock")).build(), BodyHandlers.ofString()))
                .isInstanceOf(HttpRetriesExhaustedException.class);
        assertThat(server.received()).extracting(received -> received.header(NestedRetries.HEADER)).containsExactly("1", "2", "3", "4");
    }

    @Test
    void insideAnEndureRetryTheClientMakesOneAttemptPerOuterAttempt() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        ResilientHttpClient client = client();
        Retrier<Integer> outer = Retrier.builder(RetryPolicy.<Integer>builder().name("job").maxAttempts(3)
                .retryOnResult(status -> status >= 500).backoff(Backoff.fixed(Duration.ofMillis(100))).build()).time(time).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock")).build();
        Object last = null;
        try {
            last = outer.call(() -> client.send(get, BodyHandlers.ofString()).statusCode());
        } catch (Exception exhausted) {
            last = exhausted;
        }
        assertThat(server.requestCount()).as("3 outer attempts x 1, not 3 x 4; last outcome %s", last).isEqualTo(3);
        assertThat(server.received()).extracting(received -> received.header(NestedRetries.HEADER))
                .as("the outer layer's attempt numbers").containsExactly("1", "2", "3");
        assertThat(client.stats(server.uri("/")).orElseThrow().exhausted()).isEqualTo(3);
    }

    @Test
    void aRequestThatAlreadyCarriesTheHeaderIsSentOnce() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        HttpRequest forwarded = HttpRequest.newBuilder(server.uri("/stock")).header(NestedRetries.HEADER, "2").build();
        HttpResponse<String> response = client().send(forwarded, BodyHandlers.ofString());
        assertThat(response.statusCode()).as("the original response, the caller's layer retries").isEqualTo(503);
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(server.received().get(0).header(NestedRetries.HEADER)).isEqualTo("2");
    }
}
