package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookVerifier;
import dev.endure.server.api.Json;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's operational events on the server's default store, the embedded PostgreSQL: an endpoint answering
 * 410 is disabled, and the operator URL receives that event signed with the operator secret, stored and listed
 * like any delivery. {@link OperatorEventsServerTest} covers the same on a PostgreSQL server, with the dashboard.
 */
class OperatorEventsEmbeddedStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void anEndpointDisabledOnTheEmbeddedStoreReachesTheOperatorSigned() throws Exception {
        WebhookSecret operatorSecret = WebhookSecret.generate();
        List<Map<String, String>> inbox = new CopyOnWriteArrayList<>();
        HttpServer receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receivers.createContext("/operator", exchange -> {
            try (exchange) {
                inbox.add(Map.of("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                        "webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                        "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature")));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        receivers.createContext("/gone", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(410, -1);
            }
        });
        receivers.start();
        String base = "http://127.0.0.1:" + receivers.getAddress().getPort();
        TestKeys keys = new TestKeys();
        try (EndureServer server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.OPERATOR_WEBHOOK_URL, base + "/operator")
                .with(ConfigKey.OPERATOR_SECRET, operatorSecret.encoded())
                .withApiKeys(keys.stored()))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("test.ops");
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_gone\",\"url\":\"" + base + "/gone\"}").status()).isEqualTo(201);
            api.post("/api/messages", "{\"eventType\":\"test.ops\",\"payload\":{},\"endpoints\":[\"ep_gone\"]}");

            await().atMost(Duration.ofSeconds(30)).until(() -> !inbox.isEmpty());
            Map<String, String> event = inbox.get(0);
            assertThatCode(() -> WebhookVerifier.of(operatorSecret).verify(event.get("body"), event)).doesNotThrowAnyException();
            JsonNode body = Json.read(event.get("body"));
            assertThat(body.path("type").asText()).isEqualTo("endpoint.disabled");
            assertThat(body.path("data").path("endpointId").asText()).isEqualTo("ep_gone");
            assertThat(body.path("data").path("reason").asText()).contains("410");
            assertThat(api.get("/api/operator-events").json().path("events").findValuesAsText("type")).contains("endpoint.disabled");
        } finally {
            receivers.stop(0);
        }
    }
}
