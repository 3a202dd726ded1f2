package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.SeverableTcpProxy;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 5: while the store is unreachable, the API answers 503 with Retry-After promptly (it never
 * blocks for long, never says 500), readiness names the trouble, and a producer that resends with the same
 * Idempotency-Key once the store is back gets its message stored exactly once.
 */
class StoreOutageApiTest {

    private static final String TEST_SECRET_KEY = dev.endure.delivery.crypto.SecretCipher.newKeyText();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aStoreOutageAnswers503WithRetryAfterAndTheResendWithTheSameKeyStoresTheMessageOnce() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        Matcher hostPort = Pattern.compile("//([^:/]+):(\\d+)/").matcher(database.url());
        assertThat(hostPort.find()).isTrue();
        TestKeys keys = new TestKeys();
        try (SeverableTcpProxy proxy = new SeverableTcpProxy(hostPort.group(1), Integer.parseInt(hostPort.group(2)))) {
            ServerConfig config = ServerConfig.defaults()
                    .with(ConfigKey.SERVER_PORT, 0)
                    .with(ConfigKey.STORE_URL, database.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"))
                    .with(ConfigKey.SECRET_KEY, TEST_SECRET_KEY)
                    .with(ConfigKey.WORKER_POLL_INTERVAL, "50ms")
                    .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                    .withApiKeys(keys.stored());
            try (EndureServer server = EndureServer.start(config)) {
                ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("order.created");
                assertThat(api.post("/api/endpoints", "{\"id\":\"ep_out\",\"url\":\"http://127.0.0.1:9/in\"}").status()).isEqualTo(201);

                proxy.sever(); // PostgreSQL restarting: connections reset, new ones refused
                // Bounded by the client's 4 s: the server waits at most 1 s for a connection, then answers.
                HttpResponse<String> during = send(server, keys.admin, "order-7");
                assertThat(during.statusCode()).isEqualTo(503);
                assertThat(during.headers().firstValue("Retry-After")).hasValue("2");
                assertThat(during.body()).contains("\"error\":\"store_unavailable\"").contains("same Idempotency-Key");
                await("readiness says why").atMost(Duration.ofSeconds(20)).until(() -> !server.ready());
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health/ready"))
                        .timeout(Duration.ofSeconds(4)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("\"reason\":");

                proxy.restore();
                await("ready again").atMost(Duration.ofSeconds(30)).until(server::ready);
                HttpResponse<String> resent = send(server, keys.admin, "order-7");
                assertThat(resent.statusCode()).isEqualTo(202);
                HttpResponse<String> again = send(server, keys.admin, "order-7");
                assertThat(again.statusCode()).as("the same key again: the original, not a second message").isEqualTo(200);
                assertThat(server.store().countsByState().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
                String metrics = api.get("/metrics").text();
                assertThat(metrics).contains("endure_worker_healthy 1.0").contains("endure_worker_claim_failures_total");
            }
        }
    }

    private HttpResponse<String> send(EndureServer server, String key, String idempotencyKey) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/messages"))
                .timeout(Duration.ofSeconds(4))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"eventType\":\"order.created\",\"payload\":{\"order\":7}}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
