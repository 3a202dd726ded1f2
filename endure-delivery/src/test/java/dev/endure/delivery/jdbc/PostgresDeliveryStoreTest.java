package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.PooledTestDatabase;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresDeliveryStoreTest extends DeliveryStoreContract {

    private final HikariDataSource dataSource = PooledTestDatabase.pool(TestDatabases.postgres().dataSource());

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @AfterEach
    void closePool() {
        dataSource.close();
    }

    /**
     * A fan-out send used to cost seven round trips and four pool checkouts (the route's reads of the type, the key, the
     * subscribers and key reuse, then the store's lock and read, two inserts and the commit). Now it is one checkout and
     * three round trips, shared by the sends group-committed with it: the type check, the key lookup, the subscribers'
     * locks and read in one; both inserts in one; the commit.
     */
    @Test
    void aFanOutSendTakesTwoStatementsAndOneCommit() {
        RoundTrips trips = new RoundTrips(dataSource(), now);
        dev.endure.delivery.FanOutResult sent = trips.store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "key-1"), now);
        assertThat(sent.deliveries()).extracting(EnqueueResult::endpointId).containsExactly("ep_a", "ep_b");
        trips.assertSince(2, 1, 1);
        // A repeat of the key: the one read, nothing written.
        trips.mark();
        assertThat(trips.store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "key-1"), now).duplicate()).isTrue();
        trips.assertStatementsSince(1);
    }

    /**
     * A send that names its endpoints used to read, before the store, the type, each endpoint with its keys decrypted, each
     * endpoint's subscriptions and its key-reuse row (2 + 6 per endpoint round trips and as many checkouts for two endpoints),
     * then the store's lock and read, inserts and commit. Now the checks are the store's: one checkout and three round trips
     * shared by the group (type, locks, enabled flags, subscriptions and keys in one; both inserts in one; the commit).
     */
    @Test
    void aCheckedNamedSendTakesTwoStatementsAndOneCommit() {
        RoundTrips trips = new RoundTrips(dataSource(), now);
        List<EnqueueResult> sent = trips.store.enqueueChecked(NewMessage.of("invoice.paid", "{}", "key-1"), List.of("ep_b", "ep_a"), now);
        assertThat(sent).extracting(EnqueueResult::endpointId).containsExactly("ep_b", "ep_a");
        trips.assertSince(2, 1, 1);
        // A repeat of the key: the one read, nothing written.
        trips.mark();
        assertThat(trips.store.enqueueChecked(NewMessage.of("invoice.paid", "{}", "key-1"), List.of("ep_b", "ep_a"), now))
                .allMatch(EnqueueResult::duplicate);
        trips.assertStatementsSince(1);
    }

    /**
     * Sends to one endpoint used to take its row FOR UPDATE, so every send on every server sharing the
     * database waited for the one before. Now a send takes a shared lock on the endpoint (an advisory lock,
     * which writes nothing to the row): another send still in its transaction does not block it, while a
     * disable does wait (that is what keeps the race closed).
     */
    @Test
    void sendsToOneEndpointDoNotWaitForEachOtherButADisableWaitsForThem() throws Exception {
        try (Connection otherSend = dataSource.getConnection()) {
            otherSend.setAutoCommit(false);
            try (PreparedStatement lock = otherSend.prepareStatement(EnqueueSql.SHARED_LOCK)) {
                lock.setString(1, "ep_a");
                lock.executeQuery().close();
            }
            CompletableFuture<?> send = CompletableFuture.runAsync(() -> store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now));
            await().atMost(Duration.ofSeconds(10)).until(send::isDone);
            assertThat(send).isCompleted();

            CompletableFuture<Boolean> disable = CompletableFuture.supplyAsync(() -> store.disableEndpoint("ep_a", "operator", now));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !disable.isDone());
            otherSend.commit();
            assertThat(disable.get()).isTrue();
        }
        assertThat(deliveriesIn("ep_a", DeliveryState.HELD)).isEqualTo(1);
    }

    /** The other side of the race: a send that arrives while a disable is under way waits for it and is held. */
    @Test
    void aSendDuringADisableWaitsForItAndIsHeld() throws Exception {
        try (Connection disabling = dataSource.getConnection()) {
            disabling.setAutoCommit(false);
            try (PreparedStatement lock = disabling.prepareStatement(EnqueueSql.EXCLUSIVE_LOCK);
                    PreparedStatement update = disabling.prepareStatement("UPDATE endure_endpoint SET enabled = FALSE WHERE id = 'ep_a'")) {
                lock.setString(1, "ep_a");
                lock.executeQuery().close();
                update.executeUpdate();
            }
            CompletableFuture<List<EnqueueResult>> send = CompletableFuture.supplyAsync(
                    () -> store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !send.isDone());
            disabling.commit();
            assertThat(send.get().get(0).state()).isEqualTo(DeliveryState.HELD);
        }
        assertThat(deliveriesIn("ep_a", DeliveryState.HELD)).isEqualTo(1);
    }

    /**
     * The message insert skipped a stored id with a {@code NOT EXISTS} anti-join. The driver prepares a statement on the
     * server after a few runs, and the server keeps the generic plan it made then: with the table empty, a hash anti-join
     * over a sequential scan of {@code endure_message}. As the table grew, every send read every stored message (8.5 ms
     * a send at 35,000 messages; the benchmark's producers fell from 808 to 266 msg/s). Here the store's connections make
     * their plans on a near-empty table, the table then grows by 5,000 messages, and ten more sends must not read them.
     */
    @Test
    void aSendDoesNotScanTheStoredMessagesOnceTheTableHasGrown() throws Exception {
        DataSource schema = TestDatabases.postgres().dataSource();
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setDataSource(schema);
        // Two connections (Flyway holds two); sends from one thread reuse the one they returned last, and even if they
        // alternated, twenty sends would give each connection the runs it takes to keep a generic plan.
        config.setMaximumPoolSize(2);
        try (HikariDataSource one = new HikariDataSource(config)) {
            JdbcDeliveryStore small = JdbcDeliveryStore.migrate(one);
            try (Connection connection = one.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                // Autovacuum's ANALYZE would re-plan at its own moment; the test decides when the table grows.
                statement.execute("ALTER TABLE endure_message SET (autovacuum_enabled = false)");
                statement.execute("ALTER TABLE endure_delivery SET (autovacuum_enabled = false)");
            }
            small.createEndpoint(endpoint("ep_grow"), now);
            for (int i = 0; i < 20; i++) {
                small.enqueue(NewMessage.of("invoice.paid", "{}"), List.of("ep_grow"), now);
            }
            try (Connection connection = one.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO endure_message (id, event_type, payload, created_at)"
                        + " SELECT 'msg_grown_' || g, 'invoice.paid', '{}', 0 FROM generate_series(1, 5000) g");
            }
            for (int i = 0; i < 10; i++) {
                small.enqueue(NewMessage.of("invoice.paid", "{}"), List.of("ep_grow"), now);
            }
            try (Connection connection = one.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                if (connection.getMetaData().getDatabaseMajorVersion() >= 15) {
                    statement.execute("SELECT pg_stat_force_next_flush()"); // else the backend reports within its interval
                }
            }
        }
        // Read once the thirty sends' delivery inserts are counted, so the counts seen include the sends.
        try (Connection reader = schema.getConnection()) {
            String counts = "SELECT n_tup_ins, seq_tup_read FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ?";
            await().atMost(Duration.ofSeconds(30)).until(() -> tableCount(reader, counts, "endure_delivery", 1) >= 30);
            assertThat(tableCount(reader, counts, "endure_message", 2)).as("rows of endure_message read by sequential scans").isLessThan(5000);
        }
    }

    private static long tableCount(Connection reader, String sql, String table, int column) throws java.sql.SQLException {
        try (PreparedStatement select = reader.prepareStatement(sql)) {
            select.setString(1, table);
            try (java.sql.ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(column) : -1;
            }
        }
    }

    /** A store over a counting data source with the {@code invoice.paid} type, and the counts since the last mark. */
    private static final class RoundTrips {
        private final dev.endure.testing.CountingDataSource counting;
        final JdbcDeliveryStore store;
        private int statements;
        private int commits;
        private int borrowed;

        RoundTrips(DataSource dataSource, java.time.Instant now) {
            counting = new dev.endure.testing.CountingDataSource(dataSource);
            store = JdbcDeliveryStore.migrate(counting);
            store.eventTypes().createEventType(new dev.endure.delivery.EventType("invoice.paid", "", null, false, now, now));
            mark();
        }

        void mark() {
            statements = counting.statements();
            commits = counting.commits();
            borrowed = counting.borrowed();
        }

        void assertSince(int expectedStatements, int expectedCommits, int expectedCheckouts) {
            assertStatementsSince(expectedStatements);
            assertThat(counting.commits() - commits).as("commits").isEqualTo(expectedCommits);
            assertThat(counting.borrowed() - borrowed).as("pool checkouts").isEqualTo(expectedCheckouts);
        }

        void assertStatementsSince(int expected) {
            assertThat(counting.statements() - statements).as("statements").isEqualTo(expected);
        }
    }
}
