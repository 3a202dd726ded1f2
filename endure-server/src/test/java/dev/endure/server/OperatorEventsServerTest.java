package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookVerifier;
import dev.endure.server.api.Json;
import dev.endure.server.config.ConfigException;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.DeliveryPolicies;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.dashboard.Chromium;
import dev.endure.server.ops.OperatorNotifier;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Issue 18: when the worker disables an endpoint or a message fails for good, the operator hears of it: a signed
 * webhook to {@code operator.webhookUrl}, delivered by the engine itself, and a row on the dashboard.
 */
class OperatorEventsServerTest {

    @TempDir
    Path dir;

    @TempDir
    static Path profile;

    record Received(String body, Map<String, String> headers) {}

    private static final WebhookSecret OPERATOR_SECRET = WebhookSecret.generate();
    private static final List<Received> OPERATOR_INBOX = new CopyOnWriteArrayList<>();
    private static final TestKeys KEYS = new TestKeys();
    private static HttpServer receivers;
    private static EndureServer server;
    private static ApiClient api;
    private static String base;
    private static String failedMessage;

    /** One server on PostgreSQL with an operator URL; one endpoint answers 410, one 400; one message to each. */
    @BeforeAll
    static void disableOneEndpointAndFailOneMessage(@TempDir Path dataDir) throws Exception {
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receivers.createContext("/operator", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                OPERATOR_INBOX.add(new Received(body, Map.of("webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                        "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature"))));
                exchange.sendResponseHeaders(204, -1);
            }
        });
        receivers.createContext("/gone", exchange -> answer(exchange, 410));
        receivers.createContext("/bad", exchange -> answer(exchange, 400));
        receivers.start();
        base = "http://127.0.0.1:" + receivers.getAddress().getPort();
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, database.url())
                .with(ConfigKey.STORE_POOL_SIZE, 4)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.OPERATOR_WEBHOOK_URL, base + "/operator")
                .with(ConfigKey.OPERATOR_SECRET, OPERATOR_SECRET.encoded())
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("test.ops");
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_gone\",\"url\":\"" + base + "/gone\"}").status()).isEqualTo(201);
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_bad\",\"url\":\"" + base + "/bad\"}").status()).isEqualTo(201);
        failedMessage = api.post("/api/messages", "{\"eventType\":\"test.ops\",\"payload\":{},\"endpoints\":[\"ep_bad\"]}")
                .json().path("id").asText();
        api.post("/api/messages", "{\"eventType\":\"test.ops\",\"payload\":{},\"endpoints\":[\"ep_gone\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> OPERATOR_INBOX.size() >= 2);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (receivers != null) {
            receivers.stop(0);
        }
    }

    @Test
    void aDisabledEndpointAndAMessageThatFailedForGoodReachTheOperatorSignedWithItsSecret() throws Exception {
        WebhookVerifier verifier = WebhookVerifier.of(OPERATOR_SECRET);
        for (Received event : OPERATOR_INBOX) {
            assertThatCode(() -> verifier.verify(event.body(), event.headers())).doesNotThrowAnyException();
        }
        Map<String, JsonNode> byType = new java.util.HashMap<>();
        for (Received event : OPERATOR_INBOX) {
            JsonNode body = Json.read(event.body());
            byType.put(body.path("type").asText(), body);
        }
        assertThat(OPERATOR_INBOX).hasSize(2);
        assertThat(byType.keySet()).containsExactlyInAnyOrder("endpoint.disabled", "message.failed");
        assertThat(byType.get("endpoint.disabled").path("data").path("endpointId").asText()).isEqualTo("ep_gone");
        assertThat(byType.get("endpoint.disabled").path("data").path("reason").asText()).contains("410");
        assertThat(byType.get("message.failed").path("data").path("messageId").asText()).isEqualTo(failedMessage);
        assertThat(byType.get("message.failed").path("data").path("reason").asText()).contains("400");
        // The durable record: the operator endpoint's deliveries, like any other.
        assertThat(api.get("/api/messages?endpoint=" + OperatorNotifier.ENDPOINT_ID).text()).contains("endure.endpoint.disabled");
        JsonNode recent = api.get("/api/operator-events").json();
        assertThat(recent.path("enabled").asBoolean()).isTrue();
        assertThat(recent.path("events").findValuesAsText("type")).containsExactlyInAnyOrder("endpoint.disabled", "message.failed");
    }

    @Test
    void theDashboardShowsTheOperationalEvents() {
        ChromeDriver browser = Chromium.start(profile);
        try {
            browser.get(server.baseUrl() + "/dashboard/#key=" + KEYS.reader);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.findElements(By.cssSelector("[data-testid^='operator-event-']")).size() == 2);
            String table = browser.findElement(By.cssSelector("[data-testid='operator-events']")).getText();
            assertThat(table).contains("endpoint.disabled").contains("ep_gone").contains("message.failed").contains(failedMessage);
            assertThat(browser.findElement(By.cssSelector("[data-testid='operator-status']")).getText()).contains(base + "/operator");
        } finally {
            browser.quit();
        }
    }

    @Test
    void anOperatorUrlWithoutASecretOrAnUnknownEventIsRefusedNamingTheKey() {
        ServerConfig config = ServerConfig.defaults().with(ConfigKey.SERVER_PORT, 0).with(ConfigKey.STORE_DATA_DIR, dir.toString())
                .with(ConfigKey.OPERATOR_WEBHOOK_URL, "http://127.0.0.1:9/operator");
        // What the server checks before it opens the store (and what `endure serve` reports in one line).
        assertThatThrownBy(() -> DeliveryPolicies.from(config)).isInstanceOf(ConfigException.class).hasMessageContaining("operator.secret");
        assertThatThrownBy(() -> DeliveryPolicies.from(config.with(ConfigKey.OPERATOR_SECRET, WebhookSecret.generate().encoded())
                .with(ConfigKey.OPERATOR_EVENTS, List.of("endpoint.deleted")))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("operator.events[0]");
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status) throws java.io.IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, -1);
        }
    }
}
