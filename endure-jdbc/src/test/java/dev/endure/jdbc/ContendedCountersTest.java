package dev.endure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.RetryStats;
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
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many threads incrementing two counters by read-then-write (no {@code SET x = x + 1}, no lock): only SERIALIZABLE
 * plus whole-transaction re-runs keep it right. At the end every committed increment is there exactly once, no
 * transient failure escaped except as exhaustion, the retry path was exercised, and the pool got every connection
 * back.
 */
class ContendedCountersTest {

    private static final int THREADS = 8;
    private static final int INCREMENTS_PER_THREAD = 15;
    private static final int COUNTERS = 2;
    private static final int POOL_SIZE = 6; // fewer than threads: a waiting retry must not hold a connection

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mariadb", "h2"})
    void everyCommittedIncrementIsCountedExactlyOnce(String kind) throws Exception {
        TestDatabases.TestDatabase database = database(kind);
        HikariConfig config = new HikariConfig();
        config.setDataSource(database.dataSource());
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName("counters-" + kind);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE counters (id INT PRIMARY KEY, counter_value INT NOT NULL)");
                statement.execute("CREATE TABLE increments (counter_id INT NOT NULL, worker INT NOT NULL, seq INT NOT NULL,"
                        + " PRIMARY KEY (worker, seq))");
                statement.execute("INSERT INTO counters VALUES (0, 0), (1, 0)");
            }
            TransactionRunner runner = TransactionRunner.of(pool);
            AtomicIntegerArray committed = new AtomicIntegerArray(COUNTERS);
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService workers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                int worker = w;
                done.add(workers.submit(() -> {
                    start.await();
                    for (int seq = 0; seq < INCREMENTS_PER_THREAD; seq++) {
                        int counter = (worker + seq) % COUNTERS;
                        int sequence = seq;
                        try {
                            runner.inTransaction(connection -> increment(connection, counter, worker, sequence));
                            committed.incrementAndGet(counter);
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
            workers.shutdown();

            RetryStats.Snapshot stats = runner.stats().snapshot();
            System.out.println("[contended counters] " + kind + ": " + stats + ", failures reaching callers: " + failures.size());
            for (int counter = 0; counter < COUNTERS; counter++) {
                assertThat(value(pool, "SELECT counter_value FROM counters WHERE id = " + counter))
                        .as("%s counter %d equals the increments its callers saw committed", kind, counter)
                        .isEqualTo(committed.get(counter))
                        .isEqualTo(value(pool, "SELECT COUNT(*) FROM increments WHERE counter_id = " + counter));
            }
            assertThat(failures).as("only exhaustion of a transient failure may reach a caller")
                    .allSatisfy(failure -> assertThat(failure).isInstanceOf(RetriesExhaustedException.class)
                            .satisfies(e -> assertThat(SqlStates.isRetryable(e.getCause())).isTrue()));
            assertThat(committed.get(0) + committed.get(1) + failures.size()).isEqualTo(THREADS * INCREMENTS_PER_THREAD);
            assertThat(stats.retries()).as("%s: the retry path was exercised (%s)", kind, stats).isPositive();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).as("connections still borrowed").isZero();
            assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isLessThanOrEqualTo(POOL_SIZE);
        }
    }

    private static Integer increment(Connection connection, int counter, int worker, int seq) throws SQLException {
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
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO increments VALUES (?, ?, ?)")) {
            insert.setInt(1, counter);
            insert.setInt(2, worker);
            insert.setInt(3, seq);
            insert.executeUpdate();
        }
        return read + 1;
    }

    private static TestDatabases.TestDatabase database(String kind) {
        Supplier<TestDatabases.TestDatabase> factory = switch (kind) {
            case "postgresql" -> TestDatabases::postgres;
            case "mariadb" -> TestDatabases::mariadb;
            default -> TestDatabases::h2;
        };
        return factory.get();
    }

    private static int value(javax.sql.DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
