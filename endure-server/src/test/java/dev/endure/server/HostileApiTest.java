package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.hostile.RawHttp;
import dev.endure.server.hostile.RecordingReceiver;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects of issue 11 found by a hostile user, each as it was reproduced: every bad input gets a
 * 4xx JSON error naming the field, and what is accepted is delivered byte for byte.
 */
class HostileApiTest {

    @TempDir
    static Path dataDir;

    static final TestKeys KEYS = new TestKeys();
    static EndureServer server;
    static ApiClient api;
    static RawHttp raw;
    static RecordingReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        receiver = new RecordingReceiver();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.POLICY_TIMEOUT, "2s")
                .with(ConfigKey.WORKER_LEASE, "10s")
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("a", "raw.bytes");
        raw = new RawHttp(server.port());
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_ok\",\"url\":\"" + receiver.url("/ok") + "\"}").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.close();
    }

    private static Map<String, String> auth(String contentType) {
        return contentType == null ? Map.of("Authorization", "Bearer " + KEYS.admin)
                : Map.of("Authorization", "Bearer " + KEYS.admin, "Content-Type", contentType);
    }

    private static void assertRefused(ApiClient.Answer answer, String field) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.json().path("fields").findValuesAsText("field")).as(answer.text()).contains(field);
    }

    private static int endpointCount() {
        return api.get("/api/endpoints").json().path("data").size();
    }

    // Defect 1: an endpoint policy the worker cannot run was accepted and stopped every delivery.
    @Test
    void refusesEndpointPoliciesTheWorkerCouldNotRun() {
        int before = endpointCount();
        assertRefused(api.post("/api/endpoints", "{\"url\":\"" + receiver.url("/a") + "\",\"policy\":{\"cap\":\"1m\"}}"),
                "policy.cap");
        assertRefused(api.post("/api/endpoints", "{\"url\":\"" + receiver.url("/a") + "\",\"policy\":{\"initial\":\"2h\"}}"),
                "policy.initial");
        assertRefused(api.send("PATCH", "/api/endpoints/ep_ok", "{\"policy\":{\"cap\":\"1m\"}}"), "policy.cap");
        assertRefused(api.send("PATCH", "/api/endpoints/ep_ok", "{\"policy\":{\"initial\":\"2h\"}}"), "policy.initial");
        assertThat(endpointCount()).isEqualTo(before);
        assertThat(api.get("/api/endpoints/ep_ok").json().path("policy").size()).isZero();
        // A consistent override is still fine.
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_fast\",\"url\":\"" + receiver.url("/fast")
                + "\",\"policy\":{\"initial\":\"1s\",\"cap\":\"30s\"}}").status()).isEqualTo(201);
    }

    @Test
    void pointsAPolicyFieldSpeltTheOldWayAtItsGlossaryName() {
        ApiClient.Answer old = api.post("/api/endpoints", "{\"url\":\"" + receiver.url("/a") + "\",\"policy\":{\"maxInterval\":\"1m\"}}");
        assertRefused(old, "policy.maxInterval");
        assertThat(old.text()).contains("did you mean 'cap'");
    }

    // Defect 2: a port above 65535 was accepted and looped in the worker forever.
    @Test
    void refusesPortsAbove65535() {
        assertRefused(api.post("/api/endpoints", "{\"url\":\"http://127.0.0.1:99999/\"}"), "url");
        assertRefused(api.send("PATCH", "/api/endpoints/ep_ok", "{\"url\":\"http://127.0.0.1:65536/x\"}"), "url");
        assertThat(api.get("/api/endpoints/ep_ok").json().path("url").asText()).isEqualTo(receiver.url("/ok"));
    }

    // Defect 3: made-up HTTP methods each added new series to /metrics, without a key and without bound.
    @Test
    void madeUpMethodsAndPathsDoNotGrowTheMetrics() {
        for (int i = 0; i < 20; i++) {
            raw.send("WARM" + i, "/api/endpoints", Map.of(), null);
        }
        int before = series(api.withKey(null).get("/metrics").text());
        for (int i = 0; i < 100; i++) {
            RawHttp.Response answer = raw.send("X" + i + "Y", "/api/made-up-" + i, Map.of(), null);
            assertThat(answer.status()).isLessThan(500);
        }
        assertThat(series(api.withKey(null).get("/metrics").text())).isLessThanOrEqualTo(before);
    }

    private static int series(String scrape) {
        return (int) scrape.lines().filter(line -> line.startsWith("endure_http_requests")).count();
    }

    // Defect 4: these answered 500.
    @Test
    void nullAndNulInFieldsAre400NotServerErrors() {
        assertRefused(api.post("/api/messages", "{\"eventType\":null,\"payload\":{}}"), "eventType");
        assertRefused(api.post("/api/messages", "{\"eventType\":\"a\\u0000b\",\"payload\":{}}"), "eventType");
        assertRefused(api.post("/api/messages", "{\"eventType\":\"a\",\"payload\":{},\"idempotencyKey\":\"k\\u0000\"}"), "idempotencyKey");
        assertRefused(api.post("/api/messages", "{\"eventType\":\"a\",\"payload\":{},\"endpoints\":[\"ep\\u0000\"]}"), "endpoints[0]");
        assertRefused(api.post("/api/endpoints/ep_ok/disable", "{\"reason\":\"r\\u0000\"}"), "reason");
        assertThat(api.get("/api/endpoints/ep_ok").json().path("enabled").asBoolean()).isTrue();
        assertRefused(api.get("/api/messages?endpoint=" + URLEncoder.encode("a\u0000", StandardCharsets.UTF_8)), "endpoint");
        assertRefused(api.get("/api/messages?eventType=" + URLEncoder.encode("a\u0000", StandardCharsets.UTF_8)), "eventType");
    }

    @Test
    void durationOverflowAndFarOffTimesAre400() {
        assertRefused(api.post("/api/endpoints", "{\"url\":\"" + receiver.url("/b") + "\",\"policy\":{\"maxDuration\":\"9999999999999999d\"}}"),
                "policy.maxDuration");
        assertRefused(api.post("/api/endpoints", "{\"url\":\"" + receiver.url("/b") + "\",\"policy\":{\"timeout\":\"9999999999999999d\"}}"),
                "policy.timeout");
        assertRefused(api.post("/api/endpoints/ep_ok/rotate-secret", "{\"overlap\":\"9999999999999999d\"}"), "overlap");
        assertRefused(api.get("/api/messages?since=%2B300000000-01-01T00:00:00Z"), "since");
        assertRefused(api.post("/api/endpoints/ep_ok/replay", "{\"since\":\"+300000000-01-01T00:00:00Z\"}"), "since");
    }

    // Defect 5: payloads were re-serialised: 1e400 became "Infinity", 12345678901234567.89 lost digits.
    @Test
    void payloadBytesAreStoredAndSentExactlyAsReceived() {
        String payload = "{ \"big\": 1e400, \"precise\":12345678901234567.89,\n \"tiny\":1E-400, \"text\":\"caf\u00e9 \\u00e9\" }";
        ApiClient.Answer sent = api.post("/api/messages", "{\"eventType\":\"raw.bytes\",\"payload\":" + payload + ",\"endpoints\":[\"ep_ok\"]}");
        assertThat(sent.status()).as(sent.text()).isEqualTo(202);
        String messageId = sent.json().path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.bodies(messageId).isEmpty());
        assertThat(new String(receiver.bodies(messageId).get(0), StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(api.get("/api/messages/" + messageId).text()).contains("\"payload\":" + payload);
    }

    // Defect 9: API hygiene.
    @Test
    void invalidUtf8AndLoneSurrogatesAre400() {
        byte[] body = "{\"eventType\":\"a\",\"payload\":{\"x\":\"\u00ff\u00fe\"}}".getBytes(StandardCharsets.ISO_8859_1);
        RawHttp.Response invalid = raw.send("POST", "/api/messages", auth("application/json"), body);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.isJson()).isTrue();
        assertThat(invalid.body()).contains("UTF-8");
        // A U+FFFD the client sent is text like any other (the fast decode checks for it), and one does not hide a bad byte after it.
        byte[] replacement = "{\"eventType\":\"a\",\"payload\":{\"x\":\"\ufffd\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(raw.send("POST", "/api/messages", auth("application/json"), replacement).body()).doesNotContain("UTF-8");
        java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
        both.writeBytes("{\"eventType\":\"a\",\"payload\":{\"x\":\"\ufffd".getBytes(StandardCharsets.UTF_8));
        both.write(0xff);
        both.writeBytes("\"}}".getBytes(StandardCharsets.UTF_8));
        RawHttp.Response hidden = raw.send("POST", "/api/messages", auth("application/json"), both.toByteArray());
        assertThat(hidden.status()).isEqualTo(400);
        assertThat(hidden.body()).contains("UTF-8");
        assertRefused(api.post("/api/messages", "{\"eventType\":\"a\\ud800\",\"payload\":{}}"), "eventType");
    }

    @Test
    void badPathsLongUrisAndLargeHeadersGetJsonErrors() {
        for (RawHttp.Response answer : new RawHttp.Response[] {
                raw.send("GET", "/api/endpoints/%ZZ", auth(null), null),
                raw.send("GET", "/api/endpoints/a%00b", auth(null), null),
                raw.send("GET", "/api/" + "x".repeat(20_000), auth(null), null),
                raw.send("GET", "/api/endpoints", Map.of("X-Big", "y".repeat(20_000)), null)}) {
            assertThat(answer.status()).as(answer.body()).isBetween(400, 499);
            assertThat(answer.isJson()).as(answer.headers() + " " + answer.body()).isTrue();
            assertThat(answer.body()).contains("\"status\"").doesNotContain("<html");
        }
    }

    @Test
    void errorMessagesDoNotNameJacksonInternals() {
        for (String body : new String[] {"{\"eventType\":", "{\"a\":1}{", "[1,", "{\"eventType\":\"a\",\"payload\":01}", "{'a':1}",
                "{\"a\":\"\\x\"}", "{\"a\":1,\"a\":2}"}) {
            ApiClient.Answer answer = api.post("/api/messages", body);
            assertThat(answer.status()).as(body).isEqualTo(400);
            assertThat(answer.text()).as(body).doesNotContain("Source:").doesNotContain("REDACTED").doesNotContain("com.fasterxml")
                    .doesNotContain("StreamReadFeature").doesNotContain("JsonNode").doesNotContain("jackson");
        }
    }

    @Test
    void unknownQueryParametersAreRefusedLikeUnknownBodyFields() {
        ApiClient.Answer answer = api.get("/api/messages?limt=5");
        assertRefused(answer, "limt");
        assertThat(answer.text()).contains("did you mean 'limit'");
        assertRefused(api.get("/api/endpoints?verbose=1"), "verbose");
    }

    @Test
    void contentTypeOtherThanJsonIsRefusedWith415() {
        byte[] body = "{\"eventType\":\"a\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response text = raw.send("POST", "/api/messages", auth("text/plain"), body);
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.isJson()).isTrue();
        RawHttp.Response form = raw.send("POST", "/api/messages", auth("application/x-www-form-urlencoded"), body);
        assertThat(form.status()).isEqualTo(415);
        RawHttp.Response latin = raw.send("POST", "/api/messages", auth("application/json; charset=iso-8859-1"), body);
        assertThat(latin.status()).isEqualTo(415);
    }

    // Found by the fuzz (HostileApiFuzzTest): each answered 500 or an empty non-JSON body.
    @Test
    void casesTheFuzzFoundAnswerJson4xx() {
        byte[] body = "{\"eventType\":\"a\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response semicolons = raw.send("POST", "/api/messages", auth(";;;"), body);
        assertThat(semicolons.status()).isEqualTo(415);
        assertRefused(api.post("/api/messages", "{\"eventType\":\" \",\"payload\":[]}"), "eventType");
        assertRefused(api.post("/api/messages", "{\"eventType\":\"a\",\"payload\":[],\"idempotencyKey\":\" \"}"), "idempotencyKey");
        for (String method : new String[] {"TRACE", "BREW", "PROPFIND"}) {
            RawHttp.Response answer = raw.send(method, "/api/endpoints/%C0%AE", auth(null), null);
            assertThat(answer.status()).as(method).isBetween(400, 499);
            assertThat(answer.isJson()).as(method + " " + answer.headers()).isTrue();
        }
    }

    @Test
    void theDashboardSendsSecurityHeaders() {
        RawHttp.Response page = raw.send("GET", "/dashboard/", Map.of(), null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("content-security-policy")).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(page.header("x-frame-options")).isEqualTo("DENY");
        assertThat(page.header("x-content-type-options")).isEqualTo("nosniff");
        JsonNode ignored = api.get("/api/endpoints").json();
        assertThat(ignored).isNotNull();
    }
}
