package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connection dies: before the response, in the middle of its body, or with a TCP reset. Each is retried. */
class ConnectionFailuresTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final VirtualTime time = new VirtualTime();
    final List<RetryEvent> events = new CopyOnWriteArrayList<>();
    MockWebServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new MockWebServer();
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    ResilientHttpClient client() {
        return ResilientHttpClient.builder(JDK).name("ledger").time(time).backoff(Backoff.none()).listener(events::add).build();
    }

    List<Throwable> attemptFailures() {
        return events.stream().filter(RetryEvent.AttemptFailed.class::isInstance)
                .map(event -> ((RetryEvent.AttemptFailed) event).failure()).toList();
    }

    @Test
    void retriesWhenTheServerClosesBeforeAnyResponse() throws Exception {
        server.enqueue(new MockResponse.Builder().socketPolicy(SocketPolicy.DisconnectAtStart.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().code(200).body("balance=10").build());

        // PUT, because the JDK client silently repeats a GET or HEAD once itself in this case, hiding ours.
        HttpRequest put = HttpRequest.newBuilder(server.url("/balance").uri()).PUT(HttpRequest.BodyPublishers.ofString("10")).build();

        HttpResponse<String> response = client().send(put, BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("balance=10");
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(attemptFailures()).singleElement().isInstanceOf(IOException.class)
                .satisfies(failure -> assertThat(NetworkFailures.isTransient(failure)).isTrue());
    }

    @Test
    void retriesWhenTheConnectionDiesInTheMiddleOfTheResponseBody() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("x".repeat(64 * 1024))
                .socketPolicy(SocketPolicy.DisconnectDuringResponseBody.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().code(200).body("complete").build());

        HttpResponse<String> response = client().send(HttpRequest.newBuilder(server.url("/statement").uri()).build(), BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("complete");
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(attemptFailures()).singleElement().isInstanceOf(IOException.class);
    }

    @Test
    void retriesATcpResetMidResponse() throws Exception {
        // A raw HTTP/1.1 peer: answers the first request with half a body and then an RST (SO_LINGER 0),
        // the second one in full. mockwebserver closes politely (FIN); this is the abrupt kind.
        try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> serveResetThenOk(listener), "resetting-peer");
            peer.setDaemon(true);
            peer.start();
            URI uri = URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/statement");

            HttpResponse<String> response = client().send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());

            assertThat(response.body()).isEqualTo("complete");
            assertThat(attemptFailures()).singleElement().isInstanceOf(IOException.class)
                    .satisfies(failure -> assertThat(NetworkFailures.isTransient(failure)).isTrue());
        }
    }

    private static void serveResetThenOk(ServerSocket listener) {
        try {
            try (Socket first = listener.accept()) {
                readRequestHead(first.getInputStream());
                OutputStream out = first.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write("partial".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                first.setSoLinger(true, 0);
            }
            try (Socket second = listener.accept()) {
                readRequestHead(second.getInputStream());
                second.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\ncomplete"
                        .getBytes(StandardCharsets.US_ASCII));
                second.getOutputStream().flush();
            }
        } catch (IOException closed) {
            // the test ended; nothing to serve
        }
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int next = in.read();
            if (next < 0) {
                return;
            }
            matched = next == end[matched] ? matched + 1 : (next == '\r' ? 1 : 0);
        }
    }
}
