package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookVerifier;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event types and subscriptions against the running server on PostgreSQL, with real receivers on loopback:
 * fan-out to subscribed, enabled endpoints only, the event type in a header beside an unchanged signature,
 * schema checks at send naming the failing JSON pointer, unknown and archived types refused, and a repeated
 * idempotency key deduplicating the whole send even after subscriptions change.
 */
class EventTypesApiTest {

    /** One webhook as a receiver got it. */
    record Received(String body, Map<String, String> headers) {}

    static final TestKeys KEYS = new TestKeys();
    static final Map<String, List<Received>> received = new ConcurrentHashMap<>();
    static final Map<String, WebhookSecret> secrets = new ConcurrentHashMap<>();
    static EndureServer server;
    static HttpServer receivers;
    static ApiClient api;

    @BeforeAll
    static void start() throws IOException {
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        for (String name : List.of("all", "invoices", "users", "off", "late")) {
            received.put(name, new CopyOnWriteArrayList<>());
            receivers.createContext("/" + name, exchange -> {
                try (exchange) {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    Map<String, String> headers = new HashMap<>();
                    exchange.getRequestHeaders().forEach((key, values) -> headers.put(key.toLowerCase(java.util.Locale.ROOT), values.get(0)));
                    received.get(name).add(new Received(body, headers));
                    exchange.sendResponseHeaders(200, -1);
                }
            });
        }
        receivers.start();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, TestDatabases.postgres().url())
                .with(ConfigKey.SECRET_KEY, dev.endure.delivery.crypto.SecretCipher.newKeyText())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin);
        created(api.post("/api/event-types", "{\"name\":\"invoice.paid\",\"schema\":{\"type\":\"object\",\"required\":[\"invoice\",\"amount\"],"
                + "\"properties\":{\"invoice\":{\"type\":\"integer\"},\"amount\":{\"type\":\"number\",\"minimum\":0}}}}"));
        created(api.post("/api/event-types", "{\"name\":\"user.created\",\"description\":\"A user signed up\"}"));
        created(api.post("/api/event-types", "{\"name\":\"legacy.ping\"}"));
        endpoint("all", null);
        endpoint("invoices", "[\"invoice.paid\"]");
        endpoint("users", "[\"user.created\",\"legacy.ping\"]");
        endpoint("off", null);
        assertThat(api.post("/api/endpoints/off/disable", null).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
        receivers.stop(0);
    }

    private static void created(ApiClient.Answer answer) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    }

    private static void endpoint(String name, String eventTypes) {
        ApiClient.Answer answer = api.post("/api/endpoints", "{\"id\":\"" + name + "\",\"url\":\"http://127.0.0.1:"
                + receivers.getAddress().getPort() + "/" + name + "\"" + (eventTypes == null ? "" : ",\"eventTypes\":" + eventTypes) + "}");
        created(answer);
        secrets.put(name, WebhookSecret.parse(answer.json().path("secret").asText()));
    }

    private static List<String> endpointsOf(JsonNode sent) {
        List<String> endpoints = new ArrayList<>();
        sent.path("deliveries").forEach(d -> endpoints.add(d.path("endpointId").asText()));
        return endpoints;
    }

    private static List<Received> receivedWithId(String receiver, String messageId) {
        return received.get(receiver).stream().filter(r -> messageId.equals(r.headers().get("webhook-id"))).toList();
    }

    @Test
    void aSendFansOutToEverySubscribedEnabledEndpointOnceWithTheTypeInAHeaderAndTheSignatureIntact() throws Exception {
        String payload = "{\"invoice\":42,\"amount\":9.5}";
        ApiClient.Answer answer = api.post("/api/messages", "{\"eventType\":\"invoice.paid\",\"payload\":" + payload + "}");
        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        // "users" does not take invoice.paid; "off" is disabled.
        assertThat(endpointsOf(answer.json())).containsExactly("all", "invoices");
        String id = answer.json().path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> receivedWithId("all", id).size() == 1 && receivedWithId("invoices", id).size() == 1);
        for (String receiver : List.of("all", "invoices")) {
            Received webhook = receivedWithId(receiver, id).get(0);
            assertThat(webhook.headers()).containsEntry("webhook-event-type", "invoice.paid");
            assertThat(webhook.body()).isEqualTo(payload);
            // Standard Webhooks: the signature is over id.timestamp.body, exactly as before the header was added.
            WebhookVerifier.of(secrets.get(receiver)).verify(webhook.body(), webhook.headers().get("webhook-id"),
                    webhook.headers().get("webhook-timestamp"), webhook.headers().get("webhook-signature"));
        }
        assertThat(receivedWithId("users", id)).isEmpty();
        assertThat(receivedWithId("off", id)).isEmpty();
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersTheOriginalSendEvenAfterSubscriptionsChange() {
        created(api.post("/api/event-types", "{\"name\":\"order.shipped\"}"));
        String send = "{\"eventType\":\"order.shipped\",\"payload\":{\"order\":1},\"idempotencyKey\":\"ship-1\"}";
        ApiClient.Answer first = api.post("/api/messages", send);
        assertThat(first.status()).as(first.text()).isEqualTo(202);
        assertThat(endpointsOf(first.json())).containsExactly("all");
        String id = first.json().path("id").asText();

        // A new endpoint that takes the type, then the same send again: still the one original message.
        endpoint("late", "[\"order.shipped\"]");
        ApiClient.Answer repeat = api.post("/api/messages", send);
        assertThat(repeat.status()).as(repeat.text()).isEqualTo(200);
        assertThat(repeat.json().path("id").asText()).isEqualTo(id);
        assertThat(repeat.json().path("duplicate").asBoolean()).isTrue();
        assertThat(endpointsOf(repeat.json())).containsExactly("all");
        // The same key with another payload is still a conflict, not a new send.
        assertThat(api.post("/api/messages", send.replace("\"order\":1", "\"order\":2")).status()).isEqualTo(409);

        // A new key reaches both.
        ApiClient.Answer next = api.post("/api/messages", send.replace("ship-1", "ship-2"));
        assertThat(endpointsOf(next.json())).containsExactly("all", "late");
        await().atMost(Duration.ofSeconds(20)).until(() -> receivedWithId("late", next.json().path("id").asText()).size() == 1);
        assertThat(receivedWithId("late", id)).isEmpty();
    }

    @Test
    void aPayloadThatFailsItsTypesSchemaIsRefusedNamingEachFailingPointer() {
        ApiClient.Answer answer = api.post("/api/messages", "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":\"42\",\"amount\":-1}}");
        assertThat(answer.status()).as(answer.text()).isEqualTo(422);
        assertThat(answer.json().path("error").asText()).isEqualTo("payload_invalid");
        List<String> pointers = new ArrayList<>();
        answer.json().path("fields").forEach(f -> {
            assertThat(f.path("field").asText()).isEqualTo("payload");
            pointers.add(f.path("pointer").asText());
        });
        assertThat(pointers).containsExactly("/invoice", "/amount");
        assertThat(answer.json().path("fields").get(0).path("message").asText()).contains("integer").contains("string");

        ApiClient.Answer missing = api.post("/api/messages", "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":1}}");
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().path("fields").get(0).path("pointer").asText()).isEqualTo("/amount");
        assertThat(missing.json().path("fields").get(0).path("message").asText()).contains("required");

        ApiClient.Answer batch = api.post("/api/messages/batch", "{\"messages\":[{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":1,"
                + "\"amount\":1}},{\"eventType\":\"invoice.paid\",\"payload\":[]}]}");
        assertThat(batch.status()).as(batch.text()).isEqualTo(422);
        assertThat(batch.json().path("fields").get(0).path("field").asText()).isEqualTo("messages[1].payload");
        assertThat(batch.json().path("fields").get(0).path("pointer").asText()).isEmpty(); // the payload itself
    }

    @Test
    void unknownAndArchivedEventTypesAreRefusedAtSendAndSubscription() {
        ApiClient.Answer unknown = api.post("/api/messages", "{\"eventType\":\"invoice.piad\",\"payload\":{}}");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().path("error").asText()).isEqualTo("unknown_event_type");
        assertThat(unknown.json().path("fields").get(0).path("field").asText()).isEqualTo("eventType");

        assertThat(api.post("/api/messages", "{\"eventType\":\"legacy.ping\",\"payload\":{}}").status()).isEqualTo(202);
        ApiClient.Answer archived = api.post("/api/event-types/legacy.ping/archive", null);
        assertThat(archived.status()).isEqualTo(200);
        assertThat(archived.json().path("archived").asBoolean()).isTrue();
        ApiClient.Answer refused = api.post("/api/messages", "{\"eventType\":\"legacy.ping\",\"payload\":{}}");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).isEqualTo("event_type_archived");
        ApiClient.Answer subscribe = api.send("PATCH", "/api/endpoints/all", "{\"eventTypes\":[\"user.created\",\"legacy.ping\"]}");
        assertThat(subscribe.status()).isEqualTo(422);
        assertThat(subscribe.json().path("fields").get(0).path("field").asText()).isEqualTo("eventTypes[0]");
        // Archived, but still listed on request, and the subscription that names it stays as it was.
        assertThat(api.get("/api/event-types?includeArchived=true").text()).contains("legacy.ping");
        assertThat(api.get("/api/event-types").text()).doesNotContain("legacy.ping");
        assertThat(api.get("/api/endpoints/users").json().path("eventTypes").toString()).isEqualTo("[\"legacy.ping\",\"user.created\"]");
    }

    @Test
    void anEndpointNamedInASendMustTakeItsTypeAndANullSubscriptionTakesEveryTypeAgain() {
        created(api.post("/api/event-types", "{\"name\":\"report.ready\"}"));
        ApiClient.Answer refused = api.post("/api/messages", "{\"eventType\":\"report.ready\",\"payload\":{},\"endpoints\":[\"all\",\"invoices\"]}");
        assertThat(refused.status()).as(refused.text()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).isEqualTo("not_subscribed");
        assertThat(refused.json().path("fields").get(0).path("field").asText()).isEqualTo("endpoints[1]");

        assertThat(api.send("PATCH", "/api/endpoints/invoices", "{\"eventTypes\":null}").json().path("eventTypes").isNull()).isTrue();
        ApiClient.Answer sent = api.post("/api/messages", "{\"eventType\":\"report.ready\",\"payload\":{}}");
        assertThat(endpointsOf(sent.json())).contains("all", "invoices");
        assertThat(api.send("PATCH", "/api/endpoints/invoices", "{\"eventTypes\":[\"invoice.paid\"]}").status()).isEqualTo(200);
        assertThat(api.send("PATCH", "/api/endpoints/invoices", "{\"eventTypes\":[]}").status()).as("an empty list is not 'every type'").isEqualTo(400);
    }

    @Test
    void aBatchFansEachMessageOutByItsOwnType() {
        ApiClient.Answer batch = api.post("/api/messages/batch", "{\"messages\":[{\"eventType\":\"user.created\",\"payload\":{\"u\":1}},"
                + "{\"eventType\":\"invoice.paid\",\"payload\":{\"invoice\":7,\"amount\":1}}]}");
        assertThat(batch.status()).as(batch.text()).isEqualTo(202);
        assertThat(endpointsOf(batch.json().path("messages").get(0))).containsExactly("all", "users");
        assertThat(endpointsOf(batch.json().path("messages").get(1))).containsExactly("all", "invoices");
        String userMessage = batch.json().path("messages").get(0).path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> receivedWithId("users", userMessage).size() == 1);
        assertThat(receivedWithId("users", userMessage).get(0).headers()).containsEntry("webhook-event-type", "user.created");
    }

    @Test
    void aMessageNoEnabledEndpointTakesIsAcceptedWithNoDelivery() {
        created(api.post("/api/event-types", "{\"name\":\"nobody.listens\"}"));
        assertThat(api.send("PATCH", "/api/endpoints/all", "{\"eventTypes\":[\"invoice.paid\",\"user.created\"]}").status()).isEqualTo(200);
        try {
            ApiClient.Answer answer = api.post("/api/messages", "{\"eventType\":\"nobody.listens\",\"payload\":{}}");
            assertThat(answer.status()).as(answer.text()).isEqualTo(202);
            assertThat(answer.json().path("deliveries")).isEmpty();
        } finally {
            api.send("PATCH", "/api/endpoints/all", "{\"eventTypes\":null}");
        }
    }
}
