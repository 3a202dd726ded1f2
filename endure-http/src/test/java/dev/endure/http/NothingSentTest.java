package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A request that never left (the connection was refused) is safe to send again, whatever its method. */
class NothingSentTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final VirtualTime time = new VirtualTime();

    /** A loopback port nobody listens on. */
    static URI refusingUri() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/payments");
        }
    }

    ResilientHttpClient client() {
        return ResilientHttpClient.builder(JDK).name("payments").time(time).backoff(Backoff.fixed(java.time.Duration.ofMillis(100))).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PATCH", "GET", "PUT"})
    void retriesARefusedConnectionForEveryMethod(String method) throws Exception {
        URI uri = refusingUri();
        ResilientHttpClient client = client();
        HttpRequest request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofString("{}")).build();

        assertThatThrownBy(() -> client.send(request, BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted.attempts()).isEqualTo(4);
                    assertThat(exhausted).hasMessageContaining("connection refused");
                });
        assertThat(client.stats(uri).orElseThrow().attempts()).isEqualTo(4);
    }

    @Test
    void aRefusedConnectionThatIsNotRetriedSaysWhereItWentInItsMessage() throws Exception {
        URI uri = refusingUri();
        ResilientHttpClient client = ResilientHttpClient.builder(JDK).name("payments").time(time).maxAttempts(1).build();
        HttpRequest post = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{}")).build();

        assertThatThrownBy(() -> client.send(post, BodyHandlers.ofString()))
                .hasMessageContaining("POST " + uri)
                .hasMessageContaining("no byte of the request was sent")
                .hasMessageContaining("connection refused");
        assertThatThrownBy(() -> client.sendAsync(post, BodyHandlers.ofString()).join())
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("no byte of the request was sent");
    }

    @Test
    void classifiesWhatProvesNothingWasSent() {
        assertThat(NetworkFailures.isNothingSent(new ConnectException())).isTrue();
        assertThat(NetworkFailures.isNothingSent(new java.io.IOException(new java.net.UnknownHostException("x.invalid")))).isTrue();
        assertThat(NetworkFailures.isNothingSent(new javax.net.ssl.SSLHandshakeException("bad certificate"))).isTrue();
        assertThat(NetworkFailures.isNothingSent(new java.net.SocketException("Connection reset"))).isFalse();
        assertThat(NetworkFailures.isNothingSent(new java.net.http.HttpTimeoutException("request timed out"))).isFalse();
    }
}
