package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import org.junit.jupiter.api.Test;

/**
 * Servers sharing one PostgreSQL remember the event types they have seen sendable, so a send does not read the catalogue;
 * the send's own transaction checks the type again. An archive on one server is therefore refused at once by the other,
 * whatever it remembers, and stores nothing.
 */
class EventTypesAcrossServersTest {

    @Test
    void aTypeArchivedOnOneServerIsRefusedByAnotherThatSentItJustBefore() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        TestKeys keys = new TestKeys();
        ServerConfig config = ClusterNodes.config(database.url(), keys).with(dev.endure.server.config.ConfigKey.WORKER_ENABLED, false);
        try (EndureServer first = EndureServer.start(config); EndureServer second = EndureServer.start(config)) {
            ApiClient one = new ApiClient(first.baseUrl(), keys.admin).withEventTypes("order.placed", "order.kept");
            ApiClient two = new ApiClient(second.baseUrl(), keys.admin);
            assertThat(one.post("/api/endpoints", "{\"id\":\"ep_orders\",\"url\":\"http://127.0.0.1:9/hook\"}").status()).isEqualTo(201);
            ApiClient.Answer sent = two.send("POST", "/api/messages", "{\"eventType\":\"order.placed\",\"payload\":{\"n\":1}}", "order-1");
            assertThat(sent.status()).isEqualTo(202); // the second server has now seen the type sendable
            assertThat(two.post("/api/messages", "{\"eventType\":\"order.kept\",\"payload\":{}}").status()).isEqualTo(202);

            assertThat(one.post("/api/event-types/order.placed/archive", null).status()).isEqualTo(200);

            ApiClient.Answer refused = two.send("POST", "/api/messages", "{\"eventType\":\"order.placed\",\"payload\":{\"n\":2}}", "order-2");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().path("error").asText()).isEqualTo("event_type_archived");
            assertThat(refused.json().path("fields").get(0).path("field").asText()).isEqualTo("eventType");
            // A retry of the send accepted before the archive is refused too (the type is checked before the key), and again after.
            assertThat(two.send("POST", "/api/messages", "{\"eventType\":\"order.placed\",\"payload\":{\"n\":1}}", "order-1").status())
                    .isEqualTo(422);
            assertThat(two.send("POST", "/api/messages", "{\"eventType\":\"order.placed\",\"payload\":{\"n\":2}}", "order-2").status())
                    .isEqualTo(422);
            assertThat(first.eventTypes().messageIdForIdempotencyKey("order-2")).as("nothing stored for the refused send").isEmpty();
            // Other types are unaffected.
            assertThat(two.post("/api/messages", "{\"eventType\":\"order.kept\",\"payload\":{}}").status()).isEqualTo(202);
        }
    }
}
