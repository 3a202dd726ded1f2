package dev.endure.delivery.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.endure.delivery.ssrf.SsrfGuard;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinnedHttpTransportTest {

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void connectsToTheVettedAddressAndKeepsTheHostName() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestHeaders().getFirst("Host") + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("webhook-id") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = "x".repeat(5000).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Retry-After", "7");
            exchange.sendResponseHeaders(503, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        // The name resolves to loopback exactly once (through the guard); a second lookup would fail.
        int[] lookups = {0};
        SsrfGuard guard = SsrfGuard.defaults().allowingLoopback().withResolver(host -> {
            if (lookups[0]++ > 0) {
                throw new AssertionError("host resolved twice");
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        });
        URI url = URI.create("http://hooks.example.test:" + port + "/in?x=1");
        List<InetAddress> vetted = guard.vet(url);

        WebhookResponse response = PinnedHttpTransport.create().withSnippetBytes(100)
                .send(new WebhookRequest(url, vetted, Map.of("webhook-id", "msg_1"), "{\"a\":1}", Duration.ofSeconds(5)));

        assertThat(seen).containsExactly("hooks.example.test:" + port + " /in?x=1 msg_1 {\"a\":1}");
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).contains("7");
        assertThat(response.bodySnippet()).hasSize(100);
        assertThat(lookups[0]).isEqualTo(1);
    }

    @Test
    void readsChunkedAnswers() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0); // 0 = chunked in the JDK server
            exchange.getResponseBody().write("accepted".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        WebhookResponse response = PinnedHttpTransport.create()
                .send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")), Map.of(), "{}", Duration.ofSeconds(5)));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodySnippet()).isEqualTo("accepted");
    }

    @Test
    void aSlowReceiverHitsTheTimeout() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS); // holds the answer until the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        assertThatThrownBy(() -> PinnedHttpTransport.create()
                .send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")), Map.of(), "{}", Duration.ofMillis(300))))
                .isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void refusesHeaderInjection() throws Exception {
        URI url = URI.create("http://127.0.0.1:9/");
        assertThatThrownBy(() -> PinnedHttpTransport.create().send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")),
                Map.of("x-evil", "a\r\nHost: other"), "{}", Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x-evil");
    }

    @Test
    void tlsChecksTheCertificateAgainstTheUrlsNameWhileConnectingToTheVettedIp(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "hooks", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=hooks.example.test",
                "-ext", "SAN=dns:hooks.example.test", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keys.getKeyManagers(), null, null);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trust.getTrustManagers(), null);

        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        https.createContext("/", exchange -> {
            seen.add(exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        https.start();
        server = https;
        int port = https.getAddress().getPort();
        List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));
        PinnedHttpTransport transport = PinnedHttpTransport.create().withTls(clientContext);

        WebhookResponse response = transport.send(new WebhookRequest(URI.create("https://hooks.example.test:" + port + "/"),
                loopback, Map.of(), "{}", Duration.ofSeconds(10)));
        assertThat(response.status()).isEqualTo(204);
        assertThat(seen).containsExactly("hooks.example.test:" + port);
        // Same IP, a name the certificate does not cover: the hostname check must fail.
        assertThatThrownBy(() -> transport.send(new WebhookRequest(URI.create("https://other.example.test:" + port + "/"),
                loopback, Map.of(), "{}", Duration.ofSeconds(10))))
                .isInstanceOf(SSLHandshakeException.class);
        Files.deleteIfExists(keystore);
    }
}
