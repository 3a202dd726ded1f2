package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delivery side of the API against a running worker and real receivers on loopback. */
class DeliveryApiTest {

    @TempDir
    static Path dataDir;

    static final TestKeys KEYS = new TestKeys();
    static EndureServer server;
    static ApiClient api;
    static HttpServer receivers;
    static final AtomicInteger goneStatus = new AtomicInteger(410);

    @BeforeAll
    static void start() throws Exception {
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        receivers.createContext("/ok", exchange -> respond(exchange, 200));
        receivers.createContext("/reject", exchange -> respond(exchange, 400));
        receivers.createContext("/gone", exchange -> respond(exchange, goneStatus.get()));
        receivers.start();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.POLICY_TIMEOUT, "2s")
                .with(ConfigKey.WORKER_LEASE, "10s")
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("test.event");
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status) throws java.io.IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, -1);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        receivers.stop(0);
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + receivers.getAddress().getPort() + path;
    }

    private static JsonNode send(String endpoint, int n) {
        ApiClient.Answer answer = api.post("/api/messages",
                "{\"eventType\":\"test.event\",\"payload\":{\"n\":" + n + "},\"endpoints\":[\"" + endpoint + "\"]}");
        assertThat(answer.status()).isEqualTo(202);
        return answer.json();
    }

    private static String state(String deliveryId) {
        return api.get("/api/deliveries/" + deliveryId).json().path("state").asText();
    }

    @Test
    void listsDeliveriesNewestFirstWithFiltersAndACursorThatVisitsEachOnce() {
        api.post("/api/endpoints", "{\"id\":\"ep_page\",\"url\":\"" + url("/ok") + "\"}");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            sent.add(send("ep_page", i).path("deliveries").get(0).path("deliveryId").asText());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sent.stream().allMatch(id -> state(id).equals("DELIVERED")));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = api.get("/api/messages?endpoint=ep_page&state=delivered&limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.path("data").forEach(d -> seen.add(d.path("id").asText()));
            cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        List<String> newestFirst = new ArrayList<>(sent);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
        assertThat(api.get("/api/messages?state=nonsense&limit=0&cursor=@@").json().path("fields").findValuesAsText("field"))
                .containsExactlyInAnyOrder("state", "limit", "cursor");
    }

    @Test
    void aFailedDeliveryShowsItsAttemptsAndCanBeReplayed() {
        api.post("/api/endpoints", "{\"id\":\"ep_reject\",\"url\":\"" + url("/reject") + "\"}");
        JsonNode sent = send("ep_reject", 1);
        String deliveryId = sent.path("deliveries").get(0).path("deliveryId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> state(deliveryId).equals("FAILED"));
        JsonNode message = api.get("/api/messages/" + sent.path("id").asText()).json();
        assertThat(message.path("payload").path("n").asInt()).isEqualTo(1);
        JsonNode attempts = message.path("deliveries").get(0).path("attempts");
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).path("httpStatus").asInt()).isEqualTo(400);
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("FAILED");

        assertThat(api.withKey(KEYS.reader).post("/api/deliveries/" + deliveryId + "/replay", null).status()).isEqualTo(403);
        assertThat(api.post("/api/deliveries/" + deliveryId + "/replay", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/deliveries/" + deliveryId).json().path("attempts").size() == 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> state(deliveryId).equals("FAILED"));
        ApiClient.Answer notFailed = api.post("/api/endpoints/ep_reject/replay", "{\"since\":\"" + Instant.now().minusSeconds(3600) + "\"}");
        assertThat(notFailed.status()).isEqualTo(202);
        assertThat(notFailed.json().path("replayed").asInt()).isEqualTo(1);
    }

    @Test
    void a410DisablesTheEndpointHoldsItsMessagesAndEnablingResumesThem() {
        api.post("/api/endpoints", "{\"id\":\"ep_gone\",\"url\":\"" + url("/gone") + "\"}");
        String first = send("ep_gone", 1).path("deliveries").get(0).path("deliveryId").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> !api.get("/api/endpoints/ep_gone").json().path("enabled").asBoolean());
        assertThat(api.get("/api/endpoints/ep_gone").json().path("disabledReason").asText()).contains("410");
        String second = send("ep_gone", 2).path("deliveries").get(0).path("deliveryId").asText();
        assertThat(state(second)).isEqualTo("HELD");
        await().atMost(Duration.ofSeconds(20)).until(() -> state(first).equals("HELD"));

        goneStatus.set(200); // the receiver is back
        JsonNode enabled = api.post("/api/endpoints/ep_gone/enable", null).json();
        assertThat(enabled.path("resumed").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(first).equals("DELIVERED") && state(second).equals("DELIVERED"));
        Set<String> states = new HashSet<>();
        api.get("/api/messages?endpoint=ep_gone").json().path("data").forEach(d -> states.add(d.path("state").asText()));
        assertThat(states).containsExactly("DELIVERED");
    }
}
