package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.server.api.Json;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.SeverableTcpProxy;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document served at /openapi.json against the running server on its embedded store: every route
 * Javalin serves is documented and every documented route is served (read from Javalin, not listed here), every
 * status an operation lists is provoked below, and every answer validates against its documented schema
 * (a missing, extra or mistyped field fails).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {

    @TempDir
    static Path dataDir;

    static final TestKeys KEYS = new TestKeys();
    static final int MAX_BODY = 8192;
    static EndureServer server;
    static HttpServer receivers;
    static BlockingReceiver blocking;
    static OpenApiContract contract;
    static ContractClient http;

    @BeforeAll
    static void start() throws Exception {
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        receivers.createContext("/ok", exchange -> respond(exchange, 200));
        receivers.createContext("/reject", exchange -> respond(exchange, 400));
        receivers.start();
        blocking = new BlockingReceiver();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES, MAX_BODY)
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.POLICY_TIMEOUT, "5s")
                .with(ConfigKey.WORKER_LEASE, "30s")
                .withApiKeys(KEYS.stored()));
        HttpResponse<String> document = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(document.statusCode()).isEqualTo(200);
        contract = new OpenApiContract(Json.read(document.body()));
        http = new ContractClient(server.baseUrl(), contract);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status) throws java.io.IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, -1);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        receivers.stop(0);
        blocking.close();
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + receivers.getAddress().getPort() + path;
    }

    @Test
    @Order(1)
    void everyRouteTheServerServesIsDocumentedAndNoOther() {
        Set<String> served = server.routes();
        Set<String> documented = contract.operations();
        Set<String> undocumented = new TreeSet<>(served);
        undocumented.removeAll(documented);
        Set<String> unserved = new TreeSet<>(documented);
        unserved.removeAll(served);
        assertThat(undocumented).as("routes Javalin serves that the OpenAPI document does not list").isEmpty();
        assertThat(unserved).as("operations the document lists that the server does not serve").isEmpty();
        assertThat(served).contains("POST /api/messages", "GET /openapi.json");
    }

    @Test
    @Order(2)
    void unauthenticatedRoutesAnswerAsDocumented() {
        http.expect(302, "GET", "/", null, null);
        http.expect(200, "GET", "/assets/chart.umd.js", null, null);
        http.expect(200, "GET", "/openapi.json", null, null);
        http.expect(200, "GET", "/health/live", null, null);
        http.expect(200, "GET", "/health/ready", null, null);
        http.expect(200, "GET", "/metrics", null, null);
        http.expect(200, "GET", "/api/stats", null, KEYS.reader);
        http.expect(400, "GET", "/api/stats?bogus=1", null, KEYS.reader);
        http.expect(401, "GET", "/api/stats", null, null);
    }

    @Test
    @Order(3)
    void eventTypeRoutesAnswerEveryDocumentedStatusWithItsSchema() {
        String invoiceSchema = "{\"type\":\"object\",\"required\":[\"invoice\"],\"properties\":{\"invoice\":{\"type\":\"integer\"}}}";
        http.expect(201, "POST", "/api/event-types", "{\"name\":\"invoice.paid\",\"description\":\"An invoice was paid\",\"schema\":"
                + invoiceSchema + "}", KEYS.admin);
        http.expect(201, "POST", "/api/event-types", "{\"name\":\"order.created\"}", KEYS.admin);
        http.expect(201, "POST", "/api/event-types", "{\"name\":\"old.type\",\"schema\":null}", KEYS.admin);
        http.expect(400, "POST", "/api/event-types", "{\"name\":\"has space\",\"schema\":{\"if\":{}}}", KEYS.admin);
        http.expect(401, "POST", "/api/event-types", "{\"name\":\"a\"}", null);
        http.expect(403, "POST", "/api/event-types", "{\"name\":\"a\"}", KEYS.sender);
        http.expect(409, "POST", "/api/event-types", "{\"name\":\"order.created\"}", KEYS.admin);
        http.expect(413, "POST", "/api/event-types", "{\"name\":\"a\",\"description\":\"" + "x".repeat(MAX_BODY) + "\"}", KEYS.admin);
        http.expect(415, "POST", "/api/event-types", "{\"name\":\"a\"}", "text/plain", KEYS.admin, null);

        http.expect(200, "POST", "/api/event-types/old.type/archive", null, KEYS.admin);
        http.expect(200, "POST", "/api/event-types/old.type/archive", null, KEYS.admin); // archived already: unchanged
        http.expect(401, "POST", "/api/event-types/old.type/archive", null, null);
        http.expect(403, "POST", "/api/event-types/old.type/archive", null, KEYS.reader);
        http.expect(404, "POST", "/api/event-types/no.such.type/archive", null, KEYS.admin);

        http.expect(200, "GET", "/api/event-types", null, KEYS.reader);
        http.expect(200, "GET", "/api/event-types?includeArchived=true", null, KEYS.reader);
        http.expect(400, "GET", "/api/event-types?includeArchived=yes", null, KEYS.reader);
        http.expect(401, "GET", "/api/event-types", null, null);
        http.expect(200, "GET", "/api/event-types/invoice.paid", null, KEYS.reader);
        http.expect(401, "GET", "/api/event-types/invoice.paid", null, null);
        http.expect(404, "GET", "/api/event-types/no.such.type", null, KEYS.reader);
        http.expect(404, "GET", "/api/event-types/bad%20name", null, KEYS.reader);
    }

    @Test
    @Order(4)
    void endpointRoutesAnswerEveryDocumentedStatusWithItsSchema() {
        String big = "{\"url\":\"" + url("/ok") + "\",\"id\":\"" + "x".repeat(MAX_BODY) + "\"}";
        http.expect(201, "POST", "/api/endpoints", "{\"id\":\"ok\",\"url\":\"" + url("/ok") + "\",\"policy\":{\"initial\":\"1s\",\"multiplier\":2,\"cap\":\"1m\","
                + "\"maxDuration\":\"1h\",\"maxAttempts\":3,\"timeout\":\"10s\"},"
                + "\"eventTypes\":[\"invoice.paid\",\"order.created\"]}", KEYS.admin);
        http.expect(422, "POST", "/api/endpoints", "{\"id\":\"sub\",\"url\":\"" + url("/ok") + "\",\"eventTypes\":[\"no.such.type\"]}",
                KEYS.admin);
        http.expect(422, "PATCH", "/api/endpoints/ok", "{\"eventTypes\":[\"old.type\"]}", KEYS.admin);
        http.expect(201, "POST", "/api/endpoints", "{\"id\":\"reject\",\"url\":\"" + url("/reject") + "\"}", KEYS.admin);
        http.expect(400, "POST", "/api/endpoints", "{\"ur\":\"x\"}", KEYS.admin);
        http.expect(401, "POST", "/api/endpoints", "{}", null);
        http.expect(403, "POST", "/api/endpoints", "{}", KEYS.reader);
        http.expect(409, "POST", "/api/endpoints", "{\"id\":\"ok\",\"url\":\"" + url("/ok") + "\"}", KEYS.admin);
        http.expect(413, "POST", "/api/endpoints", big, KEYS.admin);
        http.expect(415, "POST", "/api/endpoints", "{}", "text/plain", KEYS.admin, null);

        http.expect(200, "GET", "/api/endpoints", null, KEYS.reader);
        http.expect(401, "GET", "/api/endpoints", null, null);
        http.expect(200, "GET", "/api/endpoints/ok", null, KEYS.reader);
        http.expect(401, "GET", "/api/endpoints/ok", null, null);
        http.expect(404, "GET", "/api/endpoints/nope", null, KEYS.reader);

        http.expect(200, "PATCH", "/api/endpoints/ok", "{\"maxConcurrency\":4,\"rateLimitPerSecond\":100}", KEYS.admin);
        http.expect(400, "PATCH", "/api/endpoints/ok", "{\"maxConcurency\":4}", KEYS.admin);
        http.expect(401, "PATCH", "/api/endpoints/ok", "{}", null);
        http.expect(403, "PATCH", "/api/endpoints/ok", "{}", KEYS.sender);
        http.expect(404, "PATCH", "/api/endpoints/nope", "{}", KEYS.admin);
        http.expect(415, "PATCH", "/api/endpoints/ok", "{}", "text/plain", KEYS.admin, null);

        http.expect(200, "POST", "/api/endpoints/ok/rotate-secret", null, KEYS.admin);
        http.expect(400, "POST", "/api/endpoints/ok/rotate-secret", "{\"overlap\":\"forever\"}", KEYS.admin);
        http.expect(401, "POST", "/api/endpoints/ok/rotate-secret", null, null);
        http.expect(403, "POST", "/api/endpoints/ok/rotate-secret", null, KEYS.reader);
        http.expect(404, "POST", "/api/endpoints/nope/rotate-secret", null, KEYS.admin);

        http.expect(200, "POST", "/api/endpoints/ok/disable", "{\"reason\":\"contract test\"}", KEYS.admin);
        http.expect(400, "POST", "/api/endpoints/ok/disable", "{\"reason\":\"\"}", KEYS.admin);
        http.expect(401, "POST", "/api/endpoints/ok/disable", null, null);
        http.expect(403, "POST", "/api/endpoints/ok/disable", null, KEYS.reader);
        http.expect(404, "POST", "/api/endpoints/nope/disable", null, KEYS.admin);
        http.expect(200, "GET", "/api/endpoints/ok", null, KEYS.reader); // disabled: reason and time filled in
        http.expect(200, "POST", "/api/endpoints/ok/enable", null, KEYS.admin);
        http.expect(401, "POST", "/api/endpoints/ok/enable", null, null);
        http.expect(403, "POST", "/api/endpoints/ok/enable", null, KEYS.reader);
        http.expect(404, "POST", "/api/endpoints/nope/enable", null, KEYS.admin);
    }

    @Test
    @Order(5)
    void messageAndDeliveryRoutesAnswerEveryDocumentedStatusWithItsSchema() {
        String send = "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":42},\"endpoints\":[\"ok\",\"reject\"]}";
        String big = "{\"eventType\":\"invoice.paid\",\"payload\":\"" + "x".repeat(MAX_BODY) + "\"}";
        JsonNode sent = http.expect(202, "POST", "/api/messages", send, "application/json", KEYS.sender, "contract-1").json();
        http.expect(200, "POST", "/api/messages", send, "application/json", KEYS.sender, "contract-1");
        http.expect(409, "POST", "/api/messages", send.replace("42", "43"), "application/json", KEYS.sender, "contract-1");
        http.expect(400, "POST", "/api/messages", "{\"payload\":1}", KEYS.sender);
        http.expect(401, "POST", "/api/messages", send, null);
        http.expect(403, "POST", "/api/messages", send, KEYS.reader);
        http.expect(413, "POST", "/api/messages", big, KEYS.sender);
        http.expect(422, "POST", "/api/messages", "{\"eventType\":\"no.such.type\",\"payload\":{}}", KEYS.sender);
        http.expect(422, "POST", "/api/messages", "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":\"42\"}}", KEYS.sender);
        http.expect(415, "POST", "/api/messages", send, "application/x-www-form-urlencoded", KEYS.sender, null);

        String messageId = sent.path("id").asText();
        String okDelivery = sent.path("deliveries").get(0).path("deliveryId").asText();
        String rejectedDelivery = sent.path("deliveries").get(1).path("deliveryId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> state(okDelivery).equals("DELIVERED") && state(rejectedDelivery).equals("FAILED"));

        http.expect(200, "GET", "/api/messages?endpoint=ok&state=delivered&limit=1", null, KEYS.reader);
        http.expect(400, "GET", "/api/messages?limit=0", null, KEYS.reader);
        http.expect(401, "GET", "/api/messages", null, null);
        http.expect(200, "GET", "/api/messages/" + messageId, null, KEYS.reader);
        http.expect(401, "GET", "/api/messages/" + messageId, null, null);
        http.expect(404, "GET", "/api/messages/msg_nope", null, KEYS.reader);
        http.expect(200, "GET", "/api/deliveries/" + rejectedDelivery, null, KEYS.reader);
        http.expect(401, "GET", "/api/deliveries/" + rejectedDelivery, null, null);
        http.expect(404, "GET", "/api/deliveries/dlv_nope", null, KEYS.reader);

        http.expect(409, "POST", "/api/deliveries/" + okDelivery + "/replay", null, KEYS.admin);
        http.expect(202, "POST", "/api/deliveries/" + rejectedDelivery + "/replay", null, KEYS.admin);
        http.expect(401, "POST", "/api/deliveries/" + rejectedDelivery + "/replay", null, null);
        http.expect(403, "POST", "/api/deliveries/" + rejectedDelivery + "/replay", null, KEYS.sender);
        http.expect(404, "POST", "/api/deliveries/dlv_nope/replay", null, KEYS.admin);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(rejectedDelivery).equals("FAILED"));
        http.expect(202, "POST", "/api/messages/" + messageId + "/replay", null, KEYS.admin);
        http.expect(401, "POST", "/api/messages/" + messageId + "/replay", null, null);
        http.expect(403, "POST", "/api/messages/" + messageId + "/replay", null, KEYS.reader);
        http.expect(404, "POST", "/api/messages/msg_nope/replay", null, KEYS.admin);
        await().atMost(Duration.ofSeconds(30)).until(() -> state(rejectedDelivery).equals("FAILED"));
        http.expect(202, "POST", "/api/endpoints/reject/replay", "{\"since\":\"2020-01-01T00:00:00Z\"}", KEYS.admin);
        http.expect(400, "POST", "/api/endpoints/reject/replay", "{}", KEYS.admin);
        http.expect(401, "POST", "/api/endpoints/reject/replay", "{}", null);
        http.expect(403, "POST", "/api/endpoints/reject/replay", "{}", KEYS.reader);
        http.expect(404, "POST", "/api/endpoints/nope/replay", "{}", KEYS.admin);

        String batch = "{\"endpoints\":[\"ok\"],\"messages\":[{\"eventType\":\"order.created\",\"payload\":{\"n\":1},\"idempotencyKey\":\"b-1\"},"
                + "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":2},\"idempotencyKey\":\"contract-1\"}]}";
        http.expect(202, "POST", "/api/messages/batch", batch, KEYS.sender);
        http.expect(400, "POST", "/api/messages/batch", "{\"messages\":[]}", KEYS.sender);
        http.expect(401, "POST", "/api/messages/batch", batch, null);
        http.expect(403, "POST", "/api/messages/batch", batch, KEYS.reader);
        http.expect(413, "POST", "/api/messages/batch", "{\"messages\":[" + big + "]}", KEYS.sender);
        http.expect(415, "POST", "/api/messages/batch", batch, "text/json", KEYS.sender, null);
        http.expect(422, "POST", "/api/messages/batch", "{\"messages\":[{\"eventType\":\"old.type\",\"payload\":{}}]}", KEYS.sender);

        http.expect(204, "DELETE", "/api/messages/" + messageId + "/payload", null, KEYS.admin);
        http.expect(200, "GET", "/api/messages/" + messageId, null, KEYS.reader); // the payload reads null now
        http.expect(401, "DELETE", "/api/messages/" + messageId + "/payload", null, null);
        http.expect(403, "DELETE", "/api/messages/" + messageId + "/payload", null, KEYS.sender);
        http.expect(404, "DELETE", "/api/messages/msg_nope/payload", null, KEYS.admin);
    }

    @Test
    @Order(6)
    void deletingAnEndpointAnswersEveryDocumentedStatus() {
        http.expect(201, "POST", "/api/endpoints", "{\"id\":\"blocked\",\"url\":\"" + blocking.url() + "\"}", KEYS.admin);
        JsonNode sent = http.expect(202, "POST", "/api/messages", "{\"eventType\":\"order.created\",\"payload\":{},\"endpoints\":[\"blocked\"]}",
                KEYS.sender).json();
        await().atMost(Duration.ofSeconds(30)).until(() -> blocking.arrived() == 1);
        http.expect(409, "DELETE", "/api/endpoints/blocked", null, KEYS.admin);
        blocking.open();
        String delivery = sent.path("deliveries").get(0).path("deliveryId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> state(delivery).equals("DELIVERED"));
        http.expect(204, "DELETE", "/api/endpoints/blocked", null, KEYS.admin);
        http.expect(401, "DELETE", "/api/endpoints/blocked", null, null);
        http.expect(403, "DELETE", "/api/endpoints/blocked", null, KEYS.reader);
        http.expect(404, "DELETE", "/api/endpoints/blocked", null, KEYS.admin);
    }

    @Test
    @Order(7)
    void readinessAnswersNotReadyAsDocumentedWhenItsStoreStops() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        Matcher hostPort = Pattern.compile("//([^:/]+):(\\d+)/").matcher(database.url());
        assertThat(hostPort.find()).isTrue();
        try (SeverableTcpProxy proxy = new SeverableTcpProxy(hostPort.group(1), Integer.parseInt(hostPort.group(2)));
                EndureServer other = EndureServer.start(ServerConfig.defaults()
                        .with(ConfigKey.SERVER_PORT, 0)
                        .with(ConfigKey.STORE_URL, database.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"))
                        .with(ConfigKey.SECRET_KEY, dev.endure.delivery.crypto.SecretCipher.newKeyText())
                        .with(ConfigKey.WORKER_ENABLED, false)
                        .withApiKeys(KEYS.stored()))) {
            ContractClient otherHttp = new ContractClient(other.baseUrl(), contract);
            otherHttp.expect(200, "GET", "/health/ready", null, null);
            proxy.stall();
            proxy.cutNow();
            otherHttp.expect(503, "GET", "/health/ready", null, null);
        }
    }

    @Test
    @Order(8)
    void aFieldThatDiffersFromTheDocumentFails() throws Exception {
        JsonNode error = Json.read("{\"status\":400,\"error\":\"invalid_request\",\"message\":\"m\",\"fields\":[]}");
        assertThat(contract.validateComponent("Error", error)).isEmpty();
        assertThat(contract.validateComponent("Error", ((com.fasterxml.jackson.databind.node.ObjectNode) error.deepCopy()).put("extra", 1)))
                .as("an extra field").isNotEmpty();
        assertThat(contract.validateComponent("Error", ((com.fasterxml.jackson.databind.node.ObjectNode) error.deepCopy()).put("status", "400")))
                .as("a mistyped field").isNotEmpty();
        assertThat(contract.validateComponent("Error", ((com.fasterxml.jackson.databind.node.ObjectNode) error.deepCopy()).without("fields")))
                .as("a missing field").isNotEmpty();
        JsonNode endpoint = http.expect(200, "GET", "/api/endpoints/ok", null, KEYS.reader).json();
        assertThat(contract.validateComponent("Endpoint", endpoint)).isEmpty();
        assertThat(contract.validateComponent("Endpoint", ((com.fasterxml.jackson.databind.node.ObjectNode) endpoint.deepCopy()).put("secret", "whsec_x")))
                .as("an endpoint read must not carry its secret").isNotEmpty();
        assertThat(contract.validateComponent("Endpoint", ((com.fasterxml.jackson.databind.node.ObjectNode) endpoint.deepCopy()).put("enabled", "yes")))
                .as("a mistyped field inside allOf").isNotEmpty();
    }

    @Test
    @Order(100)
    void everyDocumentedStatusWasExercised() {
        assertThat(contract.unexercised()).as("documented statuses no test above provoked: provoke them or stop documenting them").isEmpty();
    }

    private static String state(String deliveryId) {
        return http.expect(200, "GET", "/api/deliveries/" + deliveryId, null, KEYS.reader).json().path("state").asText();
    }
}
