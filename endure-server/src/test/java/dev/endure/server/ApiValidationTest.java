package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auth, validation and error answers of the API, on a real server with the embedded PostgreSQL store. */
class ApiValidationTest {

    @TempDir
    static Path dataDir;

    static final TestKeys KEYS = new TestKeys();
    static EndureServer server;
    static ApiClient admin;

    @BeforeAll
    static void start() {
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES, 2048)
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_ENABLED, "false")
                .withApiKeys(KEYS.stored()));
        admin = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("a", "invoice.paid");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void refusesRequestsWithoutAValidKeyWith401() {
        ApiClient anonymous = admin.withKey(null);
        ApiClient.Answer none = anonymous.get("/api/endpoints");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().path("message").asText()).contains("Authorization: Bearer");
        assertThat(admin.withKey("ek_not-a-key").get("/api/messages").status()).isEqualTo(401);
    }

    @Test
    void refusesAKeyWithoutTheRouteScopeWith403() {
        ApiClient reader = admin.withKey(KEYS.reader);
        assertThat(reader.get("/api/endpoints").status()).isEqualTo(200);
        ApiClient.Answer create = reader.post("/api/endpoints", "{\"url\":\"http://127.0.0.1:9/x\"}");
        assertThat(create.status()).isEqualTo(403);
        assertThat(create.json().path("message").asText()).contains("'manage' scope").contains("reader").doesNotContain(KEYS.reader);
        assertThat(admin.withKey(KEYS.sender).get("/api/messages").status()).isEqualTo(403);
    }

    @Test
    void listsEveryFieldErrorAtOnce() {
        ApiClient.Answer answer = admin.post("/api/endpoints",
                "{\"url\":\"ftp://example.com\",\"maxConcurrency\":-1,\"ordered\":\"yes\",\"policy\":{\"maxAttempts\":0},\"rateLimitPerSecnd\":5}");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("fields").findValuesAsText("field"))
                .containsExactlyInAnyOrder("url", "maxConcurrency", "ordered", "policy.maxAttempts", "rateLimitPerSecnd");
        assertThat(answer.text()).contains("did you mean 'rateLimitPerSecond'");
    }

    @Test
    void badJsonIsA400NamingWhere() {
        ApiClient.Answer answer = admin.post("/api/messages", "{\"eventType\": \"a\",, }");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("fields").get(0).path("field").asText()).isEqualTo("$");
        assertThat(answer.json().path("fields").get(0).path("message").asText()).contains("line 1 column");
    }

    @Test
    void refusesBodiesOverTheConfiguredSizeWith413() {
        String big = "{\"eventType\":\"a\",\"payload\":\"" + "x".repeat(3000) + "\"}";
        ApiClient.Answer answer = admin.post("/api/messages", big);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().path("message").asText()).contains("2048");
    }

    @Test
    void unknownIdsAre404() {
        assertThat(admin.get("/api/endpoints/ep_missing").status()).isEqualTo(404);
        assertThat(admin.get("/api/messages/msg_missing").status()).isEqualTo(404);
        assertThat(admin.post("/api/deliveries/dlv_missing/replay", null).status()).isEqualTo(404);
        assertThat(admin.get("/api/nothing-here").status()).isEqualTo(404);
    }

    @Test
    void sameIdempotencyKeyWithAnotherBodyIs409AndWithTheSameBodyReturnsTheOriginal() {
        admin.post("/api/endpoints", "{\"id\":\"ep_idem\",\"url\":\"http://127.0.0.1:9/hook\"}");
        String body = "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":42},\"endpoints\":[\"ep_idem\"],\"idempotencyKey\":\"inv-42\"}";
        ApiClient.Answer first = admin.post("/api/messages", body);
        assertThat(first.status()).isEqualTo(202);
        ApiClient.Answer repeat = admin.post("/api/messages", body);
        assertThat(repeat.status()).isEqualTo(200);
        assertThat(repeat.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
        assertThat(repeat.json().path("duplicate").asBoolean()).isTrue();
        ApiClient.Answer different = admin.post("/api/messages", body.replace("42}", "43}"));
        assertThat(different.status()).isEqualTo(409);
        assertThat(different.json().path("message").asText()).contains("inv-42").contains(first.json().path("id").asText());
    }

    /**
     * A send that names its endpoints is checked in the store's transaction now, not by reads before it; every refusal answers
     * as before and stores nothing: a named endpoint that does not exist is a 400 naming it (listed with the body's other
     * errors, and answered before an unknown type), a key reused with another body is a 409 even when the send also names an
     * endpoint the key is new to (which gets nothing), and the same payload spaced differently is the original's duplicate.
     */
    @Test
    void aNamedSendIsRefusedAsBeforeWithNothingStored() {
        admin.post("/api/endpoints", "{\"id\":\"ep_named\",\"url\":\"http://127.0.0.1:9/hook\"}");
        admin.post("/api/endpoints", "{\"id\":\"ep_named_new\",\"url\":\"http://127.0.0.1:9/hook\"}");
        ApiClient.Answer unknown = admin.post("/api/messages",
                "{\"eventType\":\"invoice.paid\",\"payload\":{},\"endpoints\":[\"ep_named\",\"ep_nope\",\"ep_gone\"]}");
        assertThat(unknown.status()).as(unknown.text()).isEqualTo(400);
        assertThat(unknown.json().path("error").asText()).isEqualTo("invalid_request");
        assertThat(unknown.json().path("fields").findValuesAsText("field")).containsExactly("endpoints[1]", "endpoints[2]");
        assertThat(unknown.json().path("fields").findValuesAsText("message"))
                .containsExactly("endpoint ep_nope does not exist", "endpoint ep_gone does not exist");
        ApiClient.Answer withOthers = admin.post("/api/messages", "{\"eventType\":\"invoice.paid\",\"endpoints\":[\"ep_nope\"],\"x\":1}");
        assertThat(withOthers.json().path("fields").findValuesAsText("field")).containsExactly("payload", "endpoints[0]", "x");
        ApiClient.Answer typeToo = admin.post("/api/messages", "{\"eventType\":\"no.such.type\",\"payload\":{},\"endpoints\":[\"ep_nope\"]}");
        assertThat(typeToo.status()).isEqualTo(400);
        assertThat(typeToo.json().path("fields").findValuesAsText("field")).containsExactly("endpoints[0]");
        assertThat(admin.get("/api/messages?endpoint=ep_named").json().path("data")).isEmpty();

        String body = "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":7},\"endpoints\":[\"ep_named\"],\"idempotencyKey\":\"inv-7\"}";
        ApiClient.Answer first = admin.post("/api/messages", body);
        assertThat(first.status()).isEqualTo(202);
        ApiClient.Answer spaced = admin.post("/api/messages", body.replace("{\"invoice\":7}", "{ \"invoice\" : 7 }"));
        assertThat(spaced.status()).as(spaced.text()).isEqualTo(200);
        assertThat(spaced.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
        ApiClient.Answer different = admin.post("/api/messages",
                body.replace("7}", "8}").replace("[\"ep_named\"]", "[\"ep_named\",\"ep_named_new\"]"));
        assertThat(different.status()).as(different.text()).isEqualTo(409);
        assertThat(different.json().path("message").asText()).contains("inv-7").contains(first.json().path("id").asText());
        assertThat(admin.get("/api/messages?endpoint=ep_named_new").json().path("data")).isEmpty();
    }

    @Test
    void healthAndMetricsAnswerWithoutAKey() {
        assertThat(admin.withKey(null).get("/health/live").status()).isEqualTo(200);
        ApiClient.Answer ready = admin.withKey(null).get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("status").asText()).isEqualTo("ready");
        admin.get("/api/endpoints");
        server.sampleNow();
        ApiClient.Answer metrics = admin.withKey(null).get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.text()).contains("endure_deliveries{state=\"pending\"}")
                .contains("endure_http_requests_seconds_count{method=\"GET\",route=\"/api/endpoints\",status=\"200\"}")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void createsAnEndpointShowingItsSecretOnlyOnce() {
        ApiClient.Answer created = admin.post("/api/endpoints", "{\"id\":\"ep_once\",\"url\":\"http://127.0.0.1:9/hook\",\"maxConcurrency\":4}");
        assertThat(created.status()).isEqualTo(201);
        String secret = created.json().path("secret").asText();
        assertThat(secret).startsWith("whsec_");
        ApiClient.Answer read = admin.get("/api/endpoints/ep_once");
        assertThat(read.text()).doesNotContain(secret).doesNotContain(secret.substring(6));
        assertThat(read.json().path("maxConcurrency").asInt()).isEqualTo(4);
        assertThat(admin.post("/api/endpoints", "{\"id\":\"ep_once\",\"url\":\"http://127.0.0.1:9/hook\"}").status()).isEqualTo(409);
        ApiClient.Answer rotated = admin.post("/api/endpoints/ep_once/rotate-secret", "{\"overlap\":\"1h\"}");
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.json().path("secret").asText()).startsWith("whsec_").isNotEqualTo(secret);
        assertThat(admin.get("/api/endpoints/ep_once").json().path("signingKeys").size()).isEqualTo(2);
        assertThat(admin.send("DELETE", "/api/endpoints/ep_once", null).status()).isEqualTo(204);
        assertThat(admin.get("/api/endpoints/ep_once").status()).isEqualTo(404);
    }

    @Test
    void refusesPrivateTargetsThatAreNotAllowed() {
        ApiClient.Answer answer = admin.post("/api/endpoints", "{\"url\":\"http://169.254.169.254/latest/meta-data\"}");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("fields").get(0).path("field").asText()).isEqualTo("url");
    }
}
