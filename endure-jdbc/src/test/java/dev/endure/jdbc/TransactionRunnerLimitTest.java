package dev.endure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.VirtualTime;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.Retrier;
import dev.endure.testing.CountingDataSource;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The transaction runner under a concurrency limit: slots before connections, SQL outcomes as load signals. */
class TransactionRunnerLimitTest {

    private static final int THREADS = 24;
    private static final int INCREMENTS_PER_THREAD = 10;

    @Test
    void serializationFailuresShrinkTheAdaptiveLimit() throws SQLException {
        VirtualTime time = new VirtualTime();
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("counters").initialLimit(20).minWindowSamples(4).build(), time);
        TransactionRunner runner = TransactionRunner.builder(TestDatabases.h2().dataSource())
                .retrier(Retrier.builder(TransactionRunner.defaultPolicy()).time(time).build())
                .concurrencyLimit(limit).build();
        AtomicInteger runs = new AtomicInteger();

        for (int call = 0; call < 10; call++) {
            runner.inTransaction(connection -> {
                if (runs.incrementAndGet() % 2 == 1) {
                    throw new SQLException("could not serialize access due to concurrent update", "40001");
                }
                return null;
            });
        }

        assertThat(runs).hasValue(20);
        assertThat(limit.limit()).as("a window (20 completions) half serialization failures: 20 × 0.9").isEqualTo(18);
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void theLastAttemptAfterConflictsRunsAloneUnderTheLimit() throws SQLException {
        VirtualTime time = new VirtualTime();
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("counters", 3).build(), time);
        TransactionRunner runner = TransactionRunner.builder(TestDatabases.h2().dataSource())
                .retrier(Retrier.builder(TransactionRunner.defaultPolicy()).time(time).build())
                .concurrencyLimit(limit).build();
        List<String> attempts = new ArrayList<>();

        String result = runner.inTransaction(connection -> {
            long beside = limit.tryAcquire();
            attempts.add(beside == ConcurrencyLimit.NO_PERMIT ? "alone" : "shared");
            if (beside != ConcurrencyLimit.NO_PERMIT) {
                limit.release(beside);
            }
            if (attempts.size() < TransactionRunner.DEFAULT_MAX_ATTEMPTS) {
                throw new SQLException("could not serialize access due to read/write dependencies among transactions", "40001");
            }
            return "committed";
        });

        assertThat(result).isEqualTo("committed");
        assertThat(attempts).containsExactly("shared", "shared", "shared", "shared", "alone");
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void aLastAttemptAfterAConnectionFailureSharesTheLimit() throws SQLException {
        VirtualTime time = new VirtualTime();
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("counters", 3).build(), time);
        TransactionRunner runner = TransactionRunner.builder(TestDatabases.h2().dataSource())
                .retrier(Retrier.builder(TransactionRunner.defaultPolicy()).time(time).build())
                .concurrencyLimit(limit).build();
        List<String> attempts = new ArrayList<>();

        runner.inTransaction(connection -> {
            long beside = limit.tryAcquire();
            attempts.add(beside == ConcurrencyLimit.NO_PERMIT ? "alone" : "shared");
            if (beside != ConcurrencyLimit.NO_PERMIT) {
                limit.release(beside);
            }
            if (attempts.size() < TransactionRunner.DEFAULT_MAX_ATTEMPTS) {
                throw new SQLException("connection reset", "08006");
            }
            return null;
        });

        assertThat(attempts).as("running alone is for conflicts, not outages").doesNotContain("alone").hasSize(5);
    }

    @Test
    void aCallerThatFindsNoSlotWithinMaxWaitGetsTheRejectionUnchangedWithoutBorrowingAConnection() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("orders-db", 1).build());
        CountingDataSource tracked = new CountingDataSource(TestDatabases.h2().dataSource());
        TransactionRunner runner = TransactionRunner.builder(tracked).concurrencyLimit(limit).build();
        limit.acquire();

        assertThatThrownBy(() -> runner.inTransaction(connection -> 1))
                .isInstanceOf(ConcurrencyLimitExceededException.class)
                .hasMessage("concurrency limit 'orders-db' is full: 1 of 1 calls in flight (no wait configured)");
        assertThat(tracked.borrowed()).isZero();
        assertThat(runner.stats().snapshot().attempts()).isEqualTo(1);
    }

    @Test
    void theAdaptiveLimitTakesThePolicyOfTheDatabaseItRunsOn() throws Exception {
        assertThat(policyOf(TestDatabases.postgres().dataSource())).isEqualTo(TransactionRunner.DEFAULT_LIMIT_POLICY);
        assertThat(policyOf(TestDatabases.h2().dataSource())).isEqualTo(TransactionRunner.DEFAULT_LIMIT_POLICY);
        assertThat(policyOf(TestDatabases.mariadb().dataSource())).as("deadlocks cost more than serialization failures")
                .isEqualTo(TransactionRunner.LOCKING_DATABASE_LIMIT_POLICY);
        assertThat(TransactionRunner.LOCKING_DATABASE_LIMIT_POLICY.overloadTolerance())
                .isLessThan(TransactionRunner.DEFAULT_LIMIT_POLICY.overloadTolerance());
        assertThat(TransactionRunner.limitPolicyFor("MySQL")).isEqualTo(TransactionRunner.LOCKING_DATABASE_LIMIT_POLICY);
        assertThat(TransactionRunner.limitPolicyFor(null)).isEqualTo(TransactionRunner.DEFAULT_LIMIT_POLICY);
    }

    @Test
    void aDatabaseThatDoesNotAnswerAtBuildGetsTheDefaultPolicyAndTheRunnerStillBuilds() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        org.postgresql.ds.PGSimpleDataSource unreachable = new org.postgresql.ds.PGSimpleDataSource();
        unreachable.setUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/test?connectTimeout=2");

        TransactionRunner runner = TransactionRunner.builder(unreachable).adaptiveConcurrencyLimit().build();

        assertThat(runner.concurrencyLimit().orElseThrow().policy()).isEqualTo(TransactionRunner.DEFAULT_LIMIT_POLICY);
        assertThatThrownBy(() -> runner.inTransaction(connection -> null)).isInstanceOf(dev.endure.retry.RetriesExhaustedException.class)
                .hasMessageContaining("connection failure");
        assertThat(runner.concurrencyLimit().orElseThrow().inFlight()).isZero();
    }

    private static ConcurrencyLimitPolicy policyOf(javax.sql.DataSource dataSource) {
        return TransactionRunner.builder(dataSource).adaptiveConcurrencyLimit().build().concurrencyLimit().orElseThrow().policy();
    }

    @Test
    void onPostgresqlAnAdaptiveLimitKeepsSerializationFailuresFromReachingAnyCaller() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        HikariConfig config = new HikariConfig();
        config.setDataSource(database.dataSource());
        config.setMaximumPoolSize(THREADS); // one connection per client: the limit, not the pool, keeps goodput
        config.setPoolName("limited-counters");
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE counters (id INT PRIMARY KEY, counter_value INT NOT NULL)");
                statement.execute("INSERT INTO counters VALUES (0, 0), (1, 0)");
            }
            TransactionRunner runner = TransactionRunner.builder(pool).adaptiveConcurrencyLimit().build();
            ConcurrencyLimit limit = runner.concurrencyLimit().orElseThrow();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger committed = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int client = t;
                done.add(clients.submit(() -> {
                    start.await();
                    for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
                        int counter = (client + i) % 2;
                        try {
                            runner.inTransaction(connection -> increment(connection, counter));
                            committed.incrementAndGet();
                        } catch (SQLException | RuntimeException e) {
                            failures.add(e);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(90, TimeUnit.SECONDS);
            }
            clients.shutdown();

            System.out.println("[limited counters] " + runner.stats().snapshot() + ", limit " + limit);
            assertThat(failures).as("serialization failures reaching callers").isEmpty();
            assertThat(committed).hasValue(THREADS * INCREMENTS_PER_THREAD);
            assertThat(sum(pool)).isEqualTo(THREADS * INCREMENTS_PER_THREAD);
            assertThat(limit.inFlight()).isZero();
            assertThat(limit.waiting()).isZero();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        }
    }

    private static Integer increment(Connection connection, int counter) throws SQLException {
        int read;
        try (PreparedStatement select = connection.prepareStatement("SELECT counter_value FROM counters WHERE id = ?")) {
            select.setInt(1, counter);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                read = rows.getInt(1);
            }
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE counters SET counter_value = ? WHERE id = ?")) {
            update.setInt(1, read + 1);
            update.setInt(2, counter);
            update.executeUpdate();
        }
        return read + 1;
    }

    private static int sum(javax.sql.DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT SUM(counter_value) FROM counters")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
