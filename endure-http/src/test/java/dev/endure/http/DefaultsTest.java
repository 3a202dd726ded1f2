package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A client built with no timeouts set still cannot hang: it ships an attempt timeout and a max duration. */
class DefaultsTest {

    @Test
    void shipsAnAttemptTimeoutAndAMaxDuration() throws Exception {
        ResilientHttpClient.Builder builder = ResilientHttpClient.builder(HttpClient.newHttpClient());
        ResilientHttpClient client = builder.build();

        assertThat(ResilientHttpClient.Builder.DEFAULT_ATTEMPT_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        assertThat(ResilientHttpClient.Builder.DEFAULT_MAX_DURATION).isEqualTo(Duration.ofMinutes(2));
        assertThat(client.toString()).contains("4 attempts, attempt timeout 10 s, max duration 2 min");
        assertThat(ResilientHttpClient.builder(HttpClient.newHttpClient()).attemptTimeout(null).maxDuration(null).build().toString())
                .contains("attempt timeout none, max duration none");
    }

    @Test
    void aStalledServerEndsTheAttemptAtTheDefaultTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket ignored = silent.accept(); // reads nothing, answers nothing
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            // The max duration cuts each attempt's timeout to the time left, so a stalled server cannot
            // hold the call past it even with no attempt timeout at all.
            ResilientHttpClient client = ResilientHttpClient.builder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build())
                    .attemptTimeout(null).maxDuration(Duration.ofMillis(300)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/stalled")).build();

            assertThatThrownBy(() -> client.send(request, BodyHandlers.ofString())).hasMessageContaining("timed out");
        }
    }
}
