package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every request on the wire is an attempt Endure reports. A raw socket server reads each request whole and
 * closes the connection without a byte of answer: the JDK's client then resends a GET or HEAD once by itself
 * (verified on JDK 17: 2 requests per send for GET/HEAD, 1 for the others). Endure counts that resend as an
 * attempt, so for every method the server's count equals Endure's.
 */
class JdkResendTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final VirtualTime time = new VirtualTime();
    final AtomicInteger requests = new AtomicInteger();
    final List<RetryEvent> events = new CopyOnWriteArrayList<>();
    ServerSocket server;

    @BeforeEach
    void startClosingServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                    int length = 0;
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    if (line == null) {
                        continue; // a connection without a request
                    }
                    for (int i = 0; i < length; i++) {
                        in.read();
                    }
                    requests.incrementAndGet(); // a whole request arrived; close without answering
                } catch (IOException closed) {
                    return;
                }
            }
        }, "closing-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS"})
    void theServersRequestCountEqualsTheAttemptsEndureReports(String method) {
        ResilientHttpClient client = ResilientHttpClient.builder(JDK).name("closing").time(time).maxAttempts(4)
                .backoff(Backoff.fixed(Duration.ofMillis(100))).rules(HttpRetryRules.builder().retryNonIdempotentMethods().build())
                .listener(events::add).build();
        URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/resource");
        HttpRequest request = HttpRequest.newBuilder(uri)
                .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}")).build();

        assertThatThrownBy(() -> client.send(request, BodyHandlers.discarding()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class,
                        exhausted -> assertThat(exhausted.attempts()).isEqualTo(requests.get()));

        assertThat(requests.get()).isEqualTo(4);
        assertThat(client.stats(uri).orElseThrow().attempts()).isEqualTo(requests.get());
        assertThat(events).filteredOn(RetryEvent.AttemptFailed.class::isInstance).hasSize(requests.get());
        if (method.equals("GET") || method.equals("HEAD")) {
            assertThat(events).filteredOn(RetryEvent.RetryScheduled.class::isInstance)
                    .anySatisfy(event -> assertThat(((RetryEvent.RetryScheduled) event).reason()).contains("the JDK HttpClient resent"));
        }
    }
}
