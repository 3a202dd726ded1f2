package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.spi.Transition;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 18: the server kept every message forever, and one message's payload could not be removed on request. */
class RetentionServerTest {

    private static ServerConfig config(TestKeys keys) {
        return ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, TestDatabases.postgres().url())
                .with(ConfigKey.STORE_POOL_SIZE, 3)
                .with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText())
                .with(ConfigKey.WORKER_ENABLED, false)
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.RETENTION_INTERVAL, "1s")
                .with(ConfigKey.RETENTION_BATCH_SIZE, 2)
                .withApiKeys(keys.stored());
    }

    @Test
    void thePeriodicPurgeRemovesMessagesFinishedBeforeThePeriodAndKeepsTheRest() {
        TestKeys keys = new TestKeys();
        try (EndureServer server = EndureServer.start(config(keys))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("order.created", "user.deleted");
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_old\",\"url\":\"http://127.0.0.1:9/in\"}").status()).isEqualTo(201);
            Instant longAgo = Instant.now().minus(Duration.ofDays(40));
            for (int i = 0; i < 5; i++) {
                server.store().enqueue(NewMessage.of("order.created", "{\"n\":" + i + "}"), List.of("ep_old"), longAgo);
                Claim claim = server.store().claim("test", 1, Duration.ofSeconds(30), longAgo, (e, n) -> true).get(0);
                server.store().complete(claim, new Attempt(claim.deliveryId(), "ep_old", 1, claim.fencingToken(), longAgo,
                        Duration.ofMillis(5), 200, null, "ok", AttemptOutcome.DELIVERED, null, null), new Transition.Delivered());
            }
            String kept = api.post("/api/messages", "{\"eventType\":\"order.created\",\"payload\":{\"n\":99},\"endpoints\":[\"ep_old\"]}")
                    .json().get("id").asText();

            await("old messages purged").atMost(Duration.ofSeconds(30))
                    .until(() -> !server.store().countsByState().containsKey(DeliveryState.DELIVERED)
                            || server.store().countsByState().get(DeliveryState.DELIVERED) == 0);
            assertThat(server.store().countsByState().get(DeliveryState.PENDING)).isEqualTo(1L);
            assertThat(api.get("/api/messages/" + kept).status()).isEqualTo(200);
        }
    }

    @Test
    void deletingAPayloadRemovesItAtOnceAndStopsItsDeliveries() {
        TestKeys keys = new TestKeys();
        try (EndureServer server = EndureServer.start(config(keys).with(ConfigKey.RETENTION_INTERVAL, "1d"))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("order.created", "user.deleted");
            api.post("/api/endpoints", "{\"id\":\"ep_gdpr\",\"url\":\"http://127.0.0.1:9/in\"}");
            String id = api.post("/api/messages", "{\"eventType\":\"user.deleted\",\"payload\":{\"email\":\"someone@example.com\"},"
                    + "\"endpoints\":[\"ep_gdpr\"]}").json().get("id").asText();

            assertThat(new ApiClient(server.baseUrl(), keys.reader).send("DELETE", "/api/messages/" + id + "/payload", null).status())
                    .isEqualTo(403);
            assertThat(api.send("DELETE", "/api/messages/" + id + "/payload", null).status()).isEqualTo(204);
            ApiClient.Answer read = api.get("/api/messages/" + id);
            assertThat(read.text()).doesNotContain("someone@example.com");
            assertThat(read.json().get("payload").isNull()).isTrue();
            assertThat(read.json().get("deliveries").get(0).get("state").asText()).isEqualToIgnoringCase("failed");
            ApiClient.Answer missing = api.send("DELETE", "/api/messages/msg_nothere/payload", null);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().get("error").asText()).isEqualTo("not_found");
        }
    }
}
