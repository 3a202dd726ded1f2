package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.signing.Ed25519PublicKey;
import dev.endure.delivery.signing.Ed25519WebhookVerifier;
import dev.endure.delivery.signing.WebhookVerificationException;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: Standard Webhooks {@code v1a} (ed25519) as a per-endpoint option. A real receiver on loopback verifies
 * with nothing but the public key the API returned; the private key never leaves the server and is not in the table
 * in clear.
 */
class V1aSignatureServerTest {

    @TempDir
    Path dir;

    /** One received request: the body and the three Standard Webhooks headers. */
    record Received(String body, Map<String, String> headers) {}

    @Test
    void aV1aEndpointsDeliveriesVerifyWithThePublicKeyFromTheApiAlsoAcrossARotation() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        TestKeys keys = new TestKeys();
        List<Received> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/in", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                received.add(new Received(body, Map.of("webhook-id", exchange.getRequestHeaders().getFirst("webhook-id"),
                        "webhook-timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        "webhook-signature", exchange.getRequestHeaders().getFirst("webhook-signature"))));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/in";
        try (EndureServer server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, database.url())
                .with(ConfigKey.STORE_POOL_SIZE, 4)
                .with(ConfigKey.STORE_DATA_DIR, dir.toString())
                .with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .withApiKeys(keys.stored()))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("test.v1a");
            ApiClient.Answer created = api.post("/api/endpoints",
                    "{\"id\":\"ep_v1a\",\"url\":\"" + url + "\",\"signatureScheme\":\"v1a\"}");
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.json().has("secret")).as("a v1a endpoint has no shared secret to show").isFalse();
            assertThat(created.text()).doesNotContain("whsk_");
            assertThat(created.json().path("signatureScheme").asText()).isEqualTo("v1a");
            String firstKey = created.json().path("publicKey").asText();
            assertThat(firstKey).startsWith("whpk_");
            ApiClient.Answer read = api.get("/api/endpoints/ep_v1a");
            assertThat(read.json().path("publicKey").asText()).isEqualTo(firstKey);
            assertThat(read.text()).doesNotContain("whsk_");

            Ed25519WebhookVerifier first = Ed25519WebhookVerifier.of(Ed25519PublicKey.parse(firstKey));
            send(api, 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);
            Received one = received.get(0);
            assertThat(one.headers().get("webhook-signature")).startsWith("v1a,").doesNotContain("v1,");
            assertThatCode(() -> first.verify(one.body(), one.headers())).doesNotThrowAnyException();

            ApiClient.Answer rotated = api.post("/api/endpoints/ep_v1a/rotate-secret", "{\"overlap\":\"1h\"}");
            assertThat(rotated.status()).isEqualTo(200);
            assertThat(rotated.json().has("secret")).isFalse();
            String secondKey = rotated.json().path("publicKey").asText();
            assertThat(secondKey).startsWith("whpk_").isNotEqualTo(firstKey);
            JsonNode keysShown = api.get("/api/endpoints/ep_v1a").json().path("signingKeys");
            assertThat(keysShown.findValuesAsText("publicKey")).containsExactly(secondKey, firstKey);

            send(api, 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 2);
            Received two = received.get(1);
            assertThat(two.headers().get("webhook-signature").split(" ")).hasSize(2);
            // During the overlap a receiver holding either public key verifies.
            assertThatCode(() -> first.verify(two.body(), two.headers())).doesNotThrowAnyException();
            assertThatCode(() -> Ed25519WebhookVerifier.of(Ed25519PublicKey.parse(secondKey)).verify(two.body(), two.headers()))
                    .doesNotThrowAnyException();
            // A key the endpoint never had does not.
            assertThatThrownBy(() -> Ed25519WebhookVerifier.of(dev.endure.delivery.signing.Ed25519SigningKey.generate().publicKey())
                    .verify(two.body(), two.headers())).isInstanceOf(WebhookVerificationException.class);
        } finally {
            receiver.stop(0);
        }
        String column = signingKeysColumn(database.dataSource(), "ep_v1a");
        assertThat(column).startsWith(SecretCipher.PREFIX).doesNotContain("whsk_").doesNotContain("whpk_");
    }

    @Test
    void anUnknownSchemeIsAFourHundredNamingTheField() throws Exception {
        TestKeys keys = new TestKeys();
        try (EndureServer server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dir.toString())
                .with(ConfigKey.WORKER_ENABLED, false)
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .withApiKeys(keys.stored()))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin);
            ApiClient.Answer refused = api.post("/api/endpoints",
                    "{\"url\":\"http://127.0.0.1:9/in\",\"signatureScheme\":\"v2\"}");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.text()).contains("signatureScheme").contains("v1a");
            ApiClient.Answer v1 = api.post("/api/endpoints", "{\"id\":\"ep_v1\",\"url\":\"http://127.0.0.1:9/in\"}");
            assertThat(v1.json().path("signatureScheme").asText()).isEqualTo("v1");
            assertThat(v1.json().path("secret").asText()).startsWith("whsec_");
            assertThat(v1.json().has("publicKey")).isFalse();
            assertThat(v1.json().path("adaptiveConcurrency").isNull()).as("the server's default decides").isTrue();
            // The per-endpoint switch of the adaptive concurrency limit, beside the signature scheme.
            ApiClient.Answer off = api.send("PATCH", "/api/endpoints/ep_v1", "{\"adaptiveConcurrency\":false}");
            assertThat(off.json().path("adaptiveConcurrency").asBoolean(true)).isFalse();
            assertThat(api.get("/api/endpoints/ep_v1").json().path("adaptiveConcurrency").asBoolean(true)).isFalse();
            assertThat(api.send("PATCH", "/api/endpoints/ep_v1", "{\"adaptiveConcurrency\":\"no\"}").text())
                    .contains("adaptiveConcurrency");
        }
    }

    private static void send(ApiClient api, int n) {
        ApiClient.Answer answer = api.post("/api/messages",
                "{\"eventType\":\"test.v1a\",\"payload\":{\"n\":" + n + "},\"endpoints\":[\"ep_v1a\"]}");
        assertThat(answer.status()).isEqualTo(202);
    }

    private static String signingKeysColumn(DataSource data, String id) throws Exception {
        try (Connection connection = data.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT signing_keys FROM endure_endpoint WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                return row.getString(1);
            }
        }
    }
}
