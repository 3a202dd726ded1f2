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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /api/messages/batch} against a running worker and a receiver on loopback. */
class BatchSendApiTest {

    @TempDir
    static Path dataDir;

    static final TestKeys KEYS = new TestKeys();
    static final Set<String> received = ConcurrentHashMap.newKeySet();
    static EndureServer server;
    static ApiClient api;
    static HttpServer receiver;

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        receiver.createContext("/in", exchange -> {
            try (exchange) {
                received.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.start();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("invoice.paid");
        api.post("/api/endpoints", "{\"id\":\"ep_batch\",\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/in\"}");
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.stop(0);
    }

    @Test
    void acceptsManyMessagesInOneRequestEachWithItsOwnKey() {
        StringBuilder messages = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            messages.append(i == 0 ? "" : ",").append("{\"eventType\":\"invoice.paid\",\"payload\":{\"n\":").append(i)
                    .append("},\"idempotencyKey\":\"inv-").append(i).append("\"}");
        }
        ApiClient.Answer first = api.post("/api/messages/batch", "{\"messages\":[" + messages + "]}");
        assertThat(first.status()).isEqualTo(202);
        assertThat(first.json().path("messages")).hasSize(20);
        assertThat(first.json().path("messages").findValuesAsText("duplicate")).containsOnly("false");
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 20);

        // The same keys again, one with another payload: duplicates of the first send, the changed one flagged.
        ApiClient.Answer again = api.post("/api/messages/batch", "{\"endpoints\":[\"ep_batch\"],\"messages\":["
                + "{\"eventType\":\"invoice.paid\",\"payload\":{\"n\":0},\"idempotencyKey\":\"inv-0\"},"
                + "{\"eventType\":\"invoice.paid\",\"payload\":{\"n\":99},\"idempotencyKey\":\"inv-1\"},"
                + "{\"eventType\":\"invoice.paid\",\"payload\":{\"n\":20},\"idempotencyKey\":\"inv-20\"}]}");
        assertThat(again.status()).isEqualTo(202);
        JsonNode answers = again.json().path("messages");
        assertThat(answers.get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(answers.get(0).path("id").asText()).isEqualTo(first.json().path("messages").get(0).path("id").asText());
        assertThat(answers.get(0).has("conflict")).isFalse();
        assertThat(answers.get(1).path("conflict").asText()).contains("inv-1").contains("different event type or payload");
        assertThat(answers.get(2).path("duplicate").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 21);
    }

    @Test
    void namesEveryBadFieldByItsPathInTheBatch() {
        ApiClient.Answer answer = api.post("/api/messages/batch", "{\"endpoints\":[\"ep_nope\"],\"messages\":["
                + "{\"eventType\":\"ok\",\"payload\":{}},{\"payload\":{},\"idempotencyKey\":\"\"},{\"eventType\":\"x\",\"payload\":1,\"extra\":2}]}");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("fields").findValuesAsText("field")).containsExactlyInAnyOrder(
                "messages[1].eventType", "messages[1].idempotencyKey", "messages[2].extra", "endpoints[0]");
        assertThat(api.post("/api/messages/batch", "{\"messages\":[]}").json().path("fields").findValuesAsText("field"))
                .containsExactly("messages");
    }
}
