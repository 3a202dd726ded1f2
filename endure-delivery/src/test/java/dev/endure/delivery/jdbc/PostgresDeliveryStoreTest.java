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
     * The driver prepares a statement on the server after a few runs, and the server keeps the generic plan it made then,
     * until the table is analyzed again (never, where autovacuum is off, as on the CI server). Made while the tables were
     * small, three statements that look messages up kept plans that read every stored message: skipping a stored message
     * by a {@code NOT EXISTS} anti-join (8.5 ms a send at 35,000 messages: the benchmark's producers fell from 808 to 266
     * msg/s as the table grew), a keyed fan-out's lookup of the key's earlier message (single sends through the API at
     * 750/s), and a claim's read of its payloads, each a hash join over a sequential scan. Here the store's statements make
     * their plans on near-empty tables (every send kind, with and without keys, a claim and a result, twelve times), the
     * tables then grow by 20,000 messages with their delivered deliveries, and the same work again must not read the
     * messages by a sequential scan, with the store's own ANALYZE off (statements on {@code endure_delivery} by id keep
     * such plans then; the next test shows that ANALYZE making them right).
     */
    @Test
    void noMessageLookupScansTheMessagesOnceTheTablesHaveGrown() throws Exception {
        long[] scanned = rowsScannedAfterGrowth(false);
        assertThat(scanned[0]).as("rows of endure_message read by sequential scans").isLessThan(GROWN);
    }

    /**
     * The other half of the remedy, where autovacuum never runs: the store's own ANALYZE once the tables have grown makes
     * the server plan again, and then no statement reads a whole table, the ones on {@code endure_delivery} by id included
     * (those kept a scan of every in-flight row's index entries: 174 µs of database CPU per delivery instead of 91).
     */
    @Test
    void theStoresOwnAnalyzeMakesEveryHotStatementProbeOnceTheTablesHaveGrown() throws Exception {
        long[] scanned = rowsScannedAfterGrowth(true);
        assertThat(scanned[0]).as("rows of endure_message read by sequential scans").isLessThan(GROWN);
        assertThat(scanned[1]).as("rows of endure_delivery read by sequential scans").isLessThan(GROWN);
    }

    /** One scan after growth reads more rows than all the small scans before it (about 6,000) together. */
    private static final int GROWN = 20_000;

    /** Rows read by sequential scans of endure_message and endure_delivery over the whole scenario. */
    private long[] rowsScannedAfterGrowth(boolean keepStatistics) throws Exception {
        DataSource schema = TestDatabases.postgres().dataSource();
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setDataSource(schema);
        // Two connections (Flyway holds two); work from one thread reuses the connection it returned last, and even if it
        // alternated, twelve rounds would give each connection the runs it takes to keep a generic plan.
        config.setMaximumPoolSize(2);
        int grown = GROWN;
        try (HikariDataSource pool = new HikariDataSource(config)) {
            JdbcDeliveryStore grows = JdbcDeliveryStore.migrate(pool, keepStatistics);
            try (Connection connection = pool.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                // Autovacuum's ANALYZE would re-plan at its own moment; the test decides when the tables grow.
                for (String table : List.of("endure_message", "endure_delivery", "endure_attempt", "endure_endpoint", "endure_subscription")) {
                    statement.execute("ALTER TABLE " + table + " SET (autovacuum_enabled = false)");
                }
            }
            grows.eventTypes().createEventType(new dev.endure.delivery.EventType("invoice.paid", "", null, false, now, now));
            grows.eventTypes().createEndpoint(endpoint("ep_grow"), java.util.Set.of("invoice.paid"), now);
            java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
            Runnable everyKind = () -> {
                int n = round.incrementAndGet();
                grows.enqueue(NewMessage.of("invoice.paid", "{}"), List.of("ep_grow"), now);
                grows.enqueue(NewMessage.of("invoice.paid", "{}", "named-" + n), List.of("ep_grow"), now);
                grows.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}"), now);
                grows.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "fan-" + n), now);
                grows.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "fan-" + n), now); // its duplicate
                grows.enqueueChecked(NewMessage.of("invoice.paid", "{}", "checked-" + n), List.of("ep_grow"), now);
                grows.enqueueChecked(NewMessage.of("invoice.paid", "{}", "checked-" + n), List.of("ep_grow"), now); // its duplicate
                for (dev.endure.delivery.spi.Claim claim : grows.claim("worker-1", 10, LEASE, now, dev.endure.delivery.spi.DeliveryStore.ClaimAdmission.all())) {
                    grows.complete(claim, attempt(claim, 200, dev.endure.delivery.AttemptOutcome.DELIVERED),
                            new dev.endure.delivery.spi.Transition.Delivered());
                }
            };
            for (int i = 0; i < 12; i++) {
                if (keepStatistics && i == 10) {
                    // The tables analyzed while small, as autovacuum's first visit (or the store's) would: the plans made from
                    // here on read the one-page tables whole, right for now and wrong once they have grown, unless analyzed again.
                    try (Connection connection = schema.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                        statement.execute("ANALYZE endure_delivery, endure_message, endure_attempt");
                    }
                }
                everyKind.run();
            }
            // A connection of its own: the foreign-key checks of this bulk insert plan afresh, not with a pooled backend's
            // plans made on the small tables (those would scan the messages once per row: the test's work, not the store's).
            try (Connection connection = schema.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO endure_message (id, event_type, payload, idempotency_key, created_at)"
                        + " SELECT 'msg_grown_' || g, 'invoice.paid', '{}', 'grown-' || g, 0 FROM generate_series(1, " + grown + ") g");
                statement.executeUpdate("INSERT INTO endure_delivery (id, message_id, endpoint_id, idempotency_key, state, attempts,"
                        + " next_attempt_at, fencing_token, created_at, finished_at) SELECT 'dlv_grown_' || g, 'msg_grown_' || g, 'ep_grow',"
                        + " 'grown-' || g, 'DELIVERED', 1, 0, 1, 0, 0 FROM generate_series(1, " + grown + ") g");
            }
            if (keepStatistics) {
                // This growth went around the store, so it is told, as its own sends would have told it.
                long analyzed = grows.statistics().analyses();
                grows.statistics().changed(2 * grown);
                await().atMost(Duration.ofSeconds(30)).until(() -> grows.statistics().analyses() > analyzed);
            }
            for (int i = 0; i < 10; i++) {
                everyKind.run();
            }
            try (Connection connection = pool.getConnection(); java.sql.Statement statement = connection.createStatement()) {
                if (connection.getMetaData().getDatabaseMajorVersion() >= 15) {
                    statement.execute("SELECT pg_stat_force_next_flush()"); // else the backend reports within its interval
                }
            }
        }
        // Read once every delivery the test inserted is counted, so the counts seen include the work after growth.
        int deliveries = 22 * 5 + grown; // five new deliveries a round (the duplicates add none)
        try (Connection reader = schema.getConnection()) {
            String counts = "SELECT n_tup_ins, seq_tup_read FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ?";
            await().atMost(Duration.ofSeconds(30)).until(() -> tableCount(reader, counts, "endure_delivery", 1) >= deliveries);
            return new long[] {tableCount(reader, counts, "endure_message", 2), tableCount(reader, counts, "endure_delivery", 2)};
        }
    }

    /**
     * Where autovacuum does not visit the busy tables, the store runs ANALYZE on them itself once autovacuum's threshold of
     * changed rows is passed (50, then 50 plus a tenth of the table), so plans the server cached while they were empty are
     * made again; where autovacuum visits them, it never does. On the shared server (autovacuum off) the stale plans cost a
     * delivery 174 µs of database CPU instead of 91 (BENCHMARKS.md, issue 14).
     */
    @Test
    void theStoreAnalyzesTheTablesAutovacuumSkips() throws Exception {
        DataSource schema = TestDatabases.postgres().dataSource();
        JdbcDeliveryStore.migrate(schema);
        try (Connection connection = schema.getConnection(); java.sql.Statement statement = connection.createStatement()) {
            for (String table : List.of("endure_delivery", "endure_message", "endure_attempt")) {
                statement.execute("ALTER TABLE " + table + " SET (autovacuum_enabled = false)");
            }
        }
        JdbcDeliveryStore skipped = JdbcDeliveryStore.migrate(schema);
        skipped.createEndpoint(endpoint("ep_s"), now);
        for (int i = 0; i < 49; i++) {
            skipped.enqueue(NewMessage.of("e", "{}"), List.of("ep_s"), now);
        }
        assertThat(skipped.statistics().analyses()).isZero();
        assertThat(lastAnalyze(schema)).isNull();
        skipped.enqueue(NewMessage.of("e", "{}"), List.of("ep_s"), now); // the 50th row
        await().atMost(Duration.ofSeconds(30)).until(() -> skipped.statistics().analyses() == 1 && lastAnalyze(schema) != null);
        // Ten more rows stay under the next threshold (50 plus a tenth of the 50 rows now counted).
        for (int i = 0; i < 10; i++) {
            skipped.enqueue(NewMessage.of("e", "{}"), List.of("ep_s"), now);
        }
        assertThat(skipped.statistics().analyses()).isEqualTo(1);

        boolean serverRunsIt;
        try (Connection connection = dataSource.getConnection(); java.sql.Statement statement = connection.createStatement();
                java.sql.ResultSet row = statement.executeQuery("SELECT current_setting('autovacuum')::boolean")) {
            row.next();
            serverRunsIt = row.getBoolean(1);
        }
        // The contract's store, on tables with default settings: a keeper only if the server's autovacuum is off.
        assertThat(store.statistics() == StatisticsKeeper.NONE).isEqualTo(serverRunsIt);
    }

    private static java.sql.Timestamp lastAnalyze(DataSource schema) throws java.sql.SQLException {
        try (Connection connection = schema.getConnection(); PreparedStatement select = connection.prepareStatement(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'endure_delivery'");
                java.sql.ResultSet row = select.executeQuery()) {
            return row.next() ? row.getTimestamp(1) : null;
        }
    }


    /**
     * PostgreSQL's own migration (V7, from the vendor location) makes the claim, lease, retention and idempotency indexes
     * partial, so a delivery's three row versions write 12 index entries instead of 18. (The first version of this change
     * named the location with Spring Boot's {@code {vendor}} placeholder, which Flyway alone does not resolve: V7 never ran.)
     */
    @Test
    void postgresGetsItsPartialIndexes() throws Exception {
        try (Connection connection = dataSource.getConnection(); java.sql.Statement statement = connection.createStatement()) {
            try (java.sql.ResultSet row = statement.executeQuery("SELECT max(version::int) FROM endure_delivery_schema_history")) {
                row.next();
                assertThat(row.getInt(1)).isEqualTo(7);
            }
            java.util.Map<String, String> predicates = new java.util.TreeMap<>();
            try (java.sql.ResultSet rows = statement.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                    + " AND tablename = 'endure_delivery' AND indexdef LIKE '% WHERE %'")) {
                while (rows.next()) {
                    predicates.put(rows.getString(1), rows.getString(2).replaceAll(".* WHERE ", ""));
                }
            }
            assertThat(predicates).containsOnlyKeys("endure_delivery_due", "endure_delivery_leased", "endure_delivery_finished",
                    "endure_delivery_idempotency");
            assertThat(predicates.get("endure_delivery_due")).contains("'PENDING'");
            assertThat(predicates.get("endure_delivery_leased")).contains("'IN_FLIGHT'");
        }
    }


    /**
     * A result batch and a lease renewal both update in-flight rows. The result's UPDATE locked them in the order of its
     * input (a primary-key probe each), the renewal in the order it was given; two orders over the same rows deadlocked
     * (three times in one benchmark run, each a second of deadlock_timeout). Both now go in delivery-id order. Here a
     * renewal holds the lower id, the result is given the higher id first, and then the renewal takes the higher one:
     * in id order the result holds nothing while it waits, so nobody deadlocks.
     */
    @Test
    void aResultBatchAndALeaseRenewalLockInflightRowsInOneOrder() throws Exception {
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        List<dev.endure.delivery.spi.Claim> claimed = new java.util.ArrayList<>(
                store.claim("w", 2, LEASE, now, dev.endure.delivery.spi.DeliveryStore.ClaimAdmission.all()));
        claimed.sort(java.util.Comparator.comparing(dev.endure.delivery.spi.Claim::deliveryId));
        dev.endure.delivery.spi.Claim low = claimed.get(0);
        dev.endure.delivery.spi.Claim high = claimed.get(1);
        String renew = "UPDATE endure_delivery SET lease_until = lease_until + 1 WHERE id = ?";
        try (Connection renewal = dataSource.getConnection(); Connection results = dataSource.getConnection()) {
            renewal.setAutoCommit(false);
            try (PreparedStatement lock = renewal.prepareStatement(renew)) {
                lock.setString(1, low.deliveryId());
                lock.executeUpdate();
            }
            int resultsPid;
            try (java.sql.Statement statement = results.createStatement()) {
                // The plan of a grown table (a probe per input row), whatever this small one's statistics say.
                statement.execute("SET enable_seqscan = off");
                statement.execute("SET enable_hashjoin = off");
                try (java.sql.ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
                    row.next();
                    resultsPid = row.getInt(1);
                }
            }
            List<CompleteSql.Item> items = List.of(
                    new CompleteSql.Item(high, attempt(high, 200, dev.endure.delivery.AttemptOutcome.DELIVERED), new dev.endure.delivery.spi.Transition.Delivered()),
                    new CompleteSql.Item(low, attempt(low, 200, dev.endure.delivery.AttemptOutcome.DELIVERED), new dev.endure.delivery.spi.Transition.Delivered()));
            CompletableFuture<boolean[]> recorded = CompletableFuture.supplyAsync(() -> {
                try {
                    return CompleteSql.writeOne(results, items);
                } catch (java.sql.SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try (Connection watcher = dataSource.getConnection(); PreparedStatement waiting = watcher.prepareStatement(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'")) {
                waiting.setInt(1, resultsPid);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try (java.sql.ResultSet row = waiting.executeQuery()) {
                        row.next();
                        return row.getInt(1) == 1;
                    }
                });
            }
            try (PreparedStatement lock = renewal.prepareStatement(renew)) {
                lock.setString(1, high.deliveryId());
                lock.executeUpdate(); // in input order the result would hold this row: a deadlock, one side rolled back
            }
            renewal.commit();
            assertThat(recorded.get(30, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(true, true);
        }
    }

    /** A table autovacuum does not visit is named (the store warns with the list at start); with it on, the others are not. */
    @Test
    void autovacuumOffIsReported() throws Exception {
        try (Connection connection = dataSource.getConnection(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE endure_message SET (autovacuum_enabled = false)");
            boolean serverRunsIt;
            try (java.sql.ResultSet row = statement.executeQuery("SELECT current_setting('autovacuum')::boolean")) {
                row.next();
                serverRunsIt = row.getBoolean(1);
            }
            assertThat(JdbcDeliveryStore.tablesAutovacuumSkips(connection)).isEqualTo(serverRunsIt ? List.of("endure_message")
                    : List.of("endure_attempt", "endure_delivery", "endure_message"));
            statement.execute("ALTER TABLE endure_message RESET (autovacuum_enabled)");
            assertThat(JdbcDeliveryStore.tablesAutovacuumSkips(connection)).isEqualTo(serverRunsIt ? List.of()
                    : List.of("endure_attempt", "endure_delivery", "endure_message"));
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
