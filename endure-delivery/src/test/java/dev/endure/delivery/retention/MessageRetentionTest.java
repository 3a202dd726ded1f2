package dev.endure.delivery.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.StoreDatabases;
import dev.endure.delivery.spi.StaleLeaseException;
import dev.endure.delivery.spi.Transition;
import dev.endure.delivery.jdbc.JdbcDeliveryQueries;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 18: messages and attempts were kept forever; a payload could not be removed on request. PostgreSQL and H2. */
class MessageRetentionTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @AfterAll
    static void closePools() {
        StoreDatabases.closeAll();
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void finishedMessagesOlderThanThePeriodGoInSmallBatchesAndTheRestStays(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(data);
        store.createEndpoint(Endpoint.of("ep_1", URI.create("https://hooks.example.com/1"), WebhookSecret.generate()), T0);
        // 7 old messages finished on day 0 (5 delivered, 2 failed), one still pending from day 0, one delivered on day 29.
        for (int i = 0; i < 7; i++) {
            finish(store, "old-" + i, T0, i < 5);
        }
        store.enqueue(NewMessage.of("order.created", "{\"pending\":true}"), List.of("ep_1"), T0.plus(Duration.ofDays(1)));
        finish(store, "recent", T0.plus(Duration.ofDays(29)), true);
        assertThat(count(data, "endure_attempt")).isEqualTo(8);

        MessageRetention retention = new MessageRetention(data, Duration.ofDays(30), 3);
        Instant day31 = T0.plus(Duration.ofDays(31));
        MessageRetention.Purged first = retention.purge(day31, 2);
        assertThat(first).isEqualTo(new MessageRetention.Purged(6, 6, 6, 2));

        MessageRetention.Purged rest = retention.purge(day31, 10);
        assertThat(rest).isEqualTo(new MessageRetention.Purged(1, 1, 1, 1));
        assertThat(count(data, "endure_message")).isEqualTo(2);
        assertThat(count(data, "endure_delivery")).isEqualTo(2);
        assertThat(count(data, "endure_attempt")).isEqualTo(1);
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 1L).containsEntry(DeliveryState.DELIVERED, 1L);
        assertThat(retention.purge(day31, 10).deliveries()).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void expungingRemovesThePayloadAtOnceAndStopsItsDeliveries(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(data);
        JdbcDeliveryQueries queries = new JdbcDeliveryQueries(data);
        store.createEndpoint(Endpoint.of("ep_1", URI.create("https://hooks.example.com/1"), WebhookSecret.generate()), T0);
        store.createEndpoint(Endpoint.of("ep_2", URI.create("https://hooks.example.com/2"), WebhookSecret.generate()), T0);
        NewMessage message = NewMessage.of("user.deleted", "{\"email\":\"someone@example.com\"}");
        store.enqueue(message, List.of("ep_1", "ep_2"), T0);
        List<Claim> inFlight = store.claim("node-a", 1, LEASE, T0, (endpoint, n) -> true);

        MessageRetention retention = new MessageRetention(data, Duration.ofDays(30), 500);
        assertThat(retention.expungePayload(message.id(), T0.plusSeconds(1))).isTrue();
        assertThat(queries.message(message.id()).orElseThrow().payload()).isEqualTo(MessageRetention.EXPUNGED_PAYLOAD);
        assertThat(store.deliveriesOfMessage(message.id())).allSatisfy(delivery -> {
            assertThat(delivery.state()).isEqualTo(DeliveryState.FAILED);
            assertThat(delivery.terminalReason()).isEqualTo("payload expunged");
        });
        // The send that was on the wire cannot bring the delivery back.
        Claim claim = inFlight.get(0);
        assertThatThrownBy(() -> store.complete(claim, attempt(claim, 500, AttemptOutcome.RETRY_SCHEDULED),
                new Transition.RetryAt(T0.plusSeconds(60)))).isInstanceOf(StaleLeaseException.class);
        assertThat(store.claim("node-b", 10, LEASE, T0.plus(Duration.ofHours(1)), (endpoint, n) -> true)).isEmpty();
        assertThat(retention.expungePayload("msg_missing", T0)).isFalse();
    }

    private static void finish(JdbcDeliveryStore store, String name, Instant at, boolean delivered) {
        store.enqueue(NewMessage.of("order.created", "{\"n\":\"" + name + "\"}"), List.of("ep_1"), at);
        Claim claim = store.claim("node", 1, LEASE, at, (endpoint, n) -> true).get(0);
        store.complete(claim, attempt(claim, delivered ? 200 : 400, delivered ? AttemptOutcome.DELIVERED : AttemptOutcome.FAILED),
                delivered ? new Transition.Delivered() : new Transition.Failed("HTTP 400"));
    }

    private static Attempt attempt(Claim claim, int status, AttemptOutcome outcome) {
        return new Attempt(claim.deliveryId(), claim.endpointId(), claim.attemptNumber(), claim.fencingToken(),
                claim.leaseUntil().minus(LEASE), Duration.ofMillis(12), status, null, "answer " + status, outcome, null, null);
    }

    private static long count(DataSource data, String table) throws Exception {
        try (Connection connection = data.getConnection(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            row.next();
            return row.getLong(1);
        }
    }
}
