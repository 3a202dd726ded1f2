package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Log lines name the URL of every failed attempt, say each thing once, and take one line each. */
class LogLinesTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final VirtualTime time = new VirtualTime();
    final List<String> lines = new CopyOnWriteArrayList<>();

    ResilientHttpClient client(Duration attemptTimeout) {
        return ResilientHttpClient.builder(JDK).name("ledger").time(time).maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(250)))
                .attemptTimeout(attemptTimeout).listener(HttpRetryLogger.to("ledger", lines::add)).build();
    }

    @Test
    void aRefusedConnectionsLinesCarryTheUrlAndNoRepeatedReason() throws Exception {
        URI uri;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            uri = URI.create("http://127.0.0.1:" + closed.getLocalPort() + "/balance?account=secret");
        }

        assertThatThrownBy(() -> client(Duration.ofSeconds(30)).send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()))
                .isInstanceOf(HttpRetriesExhaustedException.class);

        String url = "http://127.0.0.1:" + uri.getPort() + "/balance";
        assertThat(lines).hasSize(2).allSatisfy(line -> {
            assertThat(line).contains(" url=" + url).doesNotContain("secret").contains(" error=\"connection refused");
            assertThat(line).doesNotContain(" reason=");
        });
        assertThat(lines.get(0)).startsWith("ledger_retry policy=ledger@127.0.0.1:" + uri.getPort() + " attempt=1 error=");
        assertThat(lines.get(1)).startsWith("ledger_gave_up ").contains(" elapsed=0.25 ");
    }

    @Test
    void aTimedOutAttemptsLineCarriesTheUrl() throws Exception {
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
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/slow");

            assertThatThrownBy(() -> client(Duration.ofMillis(200)).send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()))
                    .isInstanceOf(HttpRetriesExhaustedException.class);
        }
        assertThat(lines.get(0)).contains(" error=\"request timed out").contains(" url=http://127.0.0.1:");
    }

    @Test
    void underTheDefaultJdkLoggingEachEventIsOneLine() {
        HttpRetryLogger.toSystemLogger("ledger");
        Logger logger = Logger.getLogger("dev.endure.http.retry");
        assertThat(logger.getHandlers()).isNotEmpty();
        for (Handler handler : logger.getHandlers()) {
            String written = handler.getFormatter().format(new LogRecord(Level.INFO,
                    "ledger_retry policy=ledger@127.0.0.1:1 attempt=1 status=503 delay=0.5 url=http://127.0.0.1:1/x"));
            assertThat(written.strip()).doesNotContain("\n").endsWith("INFO ledger_retry policy=ledger@127.0.0.1:1 attempt=1 status=503"
                    + " delay=0.5 url=http://127.0.0.1:1/x");
        }
    }
}
