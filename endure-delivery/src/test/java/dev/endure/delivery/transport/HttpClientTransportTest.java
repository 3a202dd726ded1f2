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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

class HttpClientTransportTest {

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private HttpClientTransport transport;

    private HttpClientTransport transport() {
        if (transport == null) {
            transport = HttpClientTransport.create();
        }
        return transport;
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (transport != null) {
            transport.close();
        }
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

        transport = HttpClientTransport.builder().snippetBytes(100).build();
        WebhookResponse response = transport.send(new WebhookRequest(url, vetted, Map.of("webhook-id", "msg_1"), "{\"a\":1}", Duration.ofSeconds(5)));

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
        WebhookResponse response = transport()
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
        assertThatThrownBy(() -> transport()
                .send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")), Map.of(), "{}", Duration.ofMillis(300))))
                .isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void refusesHeaderInjection() throws Exception {
        URI url = URI.create("http://127.0.0.1:9/");
        assertThatThrownBy(() -> transport().send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")),
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
        List<String> serverNames = new CopyOnWriteArrayList<>();
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                javax.net.ssl.SSLParameters parameters = serverContext.getDefaultSSLParameters();
                // Records the SNI name the client sent (and accepts it): the name must be the URL's, not the IP.
                parameters.setSNIMatchers(List.of(new javax.net.ssl.SNIMatcher(javax.net.ssl.StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(javax.net.ssl.SNIServerName name) {
                        serverNames.add(new String(name.getEncoded(), StandardCharsets.US_ASCII));
                        return true;
                    }
                }));
                params.setSSLParameters(parameters);
            }
        });
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
        transport = HttpClientTransport.builder().tls(clientContext).build();

        WebhookResponse response = transport.send(new WebhookRequest(URI.create("https://hooks.example.test:" + port + "/"),
                loopback, Map.of(), "{}", Duration.ofSeconds(10)));
        assertThat(response.status()).isEqualTo(204);
        assertThat(seen).containsExactly("hooks.example.test:" + port);
        assertThat(serverNames).containsExactly("hooks.example.test");
        // Same IP, a name the certificate does not cover: the hostname check must fail.
        assertThatThrownBy(() -> transport.send(new WebhookRequest(URI.create("https://other.example.test:" + port + "/"),
                loopback, Map.of(), "{}", Duration.ofSeconds(10))))
                .isInstanceOf(SSLHandshakeException.class);
        Files.deleteIfExists(keystore);
    }

    @Test
    void reusesOneConnectionForManySendsAndOpensOnePerHostName() throws Exception {
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            seen.add(exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        List<InetAddress> loopback = List.of(InetAddress.getByName("127.0.0.1"));
        for (int i = 0; i < 20; i++) {
            transport().send(new WebhookRequest(URI.create("http://hooks.example.test:" + port + "/"), loopback, Map.of(), "{}",
                    Duration.ofSeconds(5)));
        }
        assertThat(clientPorts).hasSize(1);
        assertThat(transport().connectionsOpened()).isEqualTo(1);
        // Same address, another name: its own connection, so a connection never serves a name it was not opened for.
        transport().send(new WebhookRequest(URI.create("http://other.example.test:" + port + "/"), loopback, Map.of(), "{}",
                Duration.ofSeconds(5)));
        assertThat(clientPorts).hasSize(2);
        assertThat(seen).last().isEqualTo("other.example.test:" + port);
    }

    @Test
    void doesNotFollowRedirects() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestURI().toString());
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/in");
        WebhookResponse response = transport().send(new WebhookRequest(url, List.of(InetAddress.getByName("127.0.0.1")), Map.of(), "{}",
                Duration.ofSeconds(5)));
        assertThat(response.status()).isEqualTo(302);
        assertThat(seen).containsExactly("/in");
    }

    @Test
    void sendsThroughAForwardProxy() throws Exception {
        // A loopback stand-in for an egress proxy: it sees the absolute request target and answers itself.
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("webhook-id"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        transport = HttpClientTransport.builder().proxy(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).build();
        WebhookResponse response = transport.send(new WebhookRequest(URI.create("http://hooks.example.test:8080/in?x=1"),
                List.of(InetAddress.getByName("203.0.113.7")), Map.of("webhook-id", "msg_1"), "{}", Duration.ofSeconds(5)));
        assertThat(response.status()).isEqualTo(204);
        assertThat(seen).containsExactly("POST http://hooks.example.test:8080/in?x=1 msg_1");
    }

    @Test
    void refusesAProxyThatIsNotHostAndPort() {
        assertThatThrownBy(() -> HttpClientTransport.builder().proxy(URI.create("socks://proxy")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxy must look like http://host:port");
    }
}
