package dev.endure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.endure.testing.CountingDataSource;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Each transient failure provoked for real on its database, and what the runner does with it. */
class RealDriverFailuresTest {

    @Test
    void postgresSerializationFailureReRunsTheWholeTransaction() throws Exception {
        DataSource postgres = TestDatabases.postgres().dataSource();
        createCounter(postgres);
        CountingDataSource tracked = new CountingDataSource(postgres);
        List<Integer> reads = new ArrayList<>();
        List<SqlFailure> failures = new ArrayList<>();
        TransactionRunner runner = TransactionRunner.of(tracked);
        runner.retrier().addListener(event -> {
            if (event instanceof dev.endure.retry.RetryEvent.AttemptFailed failed) {
                failures.add(SqlStates.classify(failed.failure()));
            }
        });

        int written = runner.inTransaction(connection -> {
            int read = read(connection);
            reads.add(read);
            if (reads.size() == 1) {
                execute(postgres, "UPDATE counter SET counter_value = 10"); // commits between our read and our write
            }
            execute(connection, "UPDATE counter SET counter_value = " + (read + 1));
            return read + 1;
        });

        assertThat(failures).containsExactly(SqlFailure.SERIALIZATION_FAILURE);
        assertThat(reads).containsExactly(0, 10);
        assertThat(written).isEqualTo(11);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void mariaDbDeadlockVictimIsReRunAndBothTransactionsCommit() throws Exception {
        DataSource mariadb = TestDatabases.mariadb().dataSource();
        createCounter(mariadb);
        TransactionRunner runner = TransactionRunner.of(mariadb);
        List<SqlFailure> failures = new CopyOnWriteArrayList<>();
        runner.retrier().addListener(event -> {
            if (event instanceof dev.endure.retry.RetryEvent.AttemptFailed failed) {
                failures.add(SqlStates.classify(failed.failure()));
            }
        });
        AtomicInteger firstAttemptsReading = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        // Both read under SERIALIZABLE (InnoDB takes shared locks), then both write: a lock upgrade deadlock.
        TransactionCallback<Integer> increment = connection -> {
            boolean first = runs.incrementAndGet() <= 2;
            int read = read(connection);
            if (first) {
                firstAttemptsReading.incrementAndGet();
                await().atMost(Duration.ofSeconds(10)).until(() -> firstAttemptsReading.get() >= 2);
            }
            execute(connection, "UPDATE counter SET counter_value = " + (read + 1));
            return read + 1;
        };

        CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
            try {
                return runner.inTransaction(increment);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        int mine = runner.inTransaction(increment);
        int theirs = other.get(30, TimeUnit.SECONDS);

        assertThat(failures).as("one deadlock victim, MariaDB 1213").containsExactly(SqlFailure.SERIALIZATION_FAILURE);
        assertThat(List.of(mine, theirs)).containsExactlyInAnyOrder(1, 2);
        assertThat(read(mariadb)).isEqualTo(2);
        assertThat(runs).hasValue(3);
    }

    /**
     * MariaDB raises the same 1205 whether it rolled back the statement or the transaction; the runner asks the
     * server. On a default server ({@code innodb_rollback_on_timeout=OFF}) it must not re-run; pointed at a
     * server started with {@code --innodb-rollback-on-timeout=ON} (through {@code ENDURE_TEST_MARIADB_URL}) the
     * same test checks the re-run.
     */
    @Test
    void mariaDbLockWaitTimeoutIsReRunOnlyWhenTheServerRolledBackTheWholeTransaction() throws Exception {
        DataSource mariadb = TestDatabases.mariadb().dataSource();
        createCounter(mariadb);
        try (Connection connection = mariadb.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE audit (id INT PRIMARY KEY, note VARCHAR(20))");
        }
        boolean rollsBackWholeTransaction = rollbackOnTimeout(mariadb);
        CountingDataSource tracked = new CountingDataSource(mariadb);
        TransactionRunner runner = TransactionRunner.of(tracked);
        AtomicInteger runs = new AtomicInteger();
        try (Connection holder = mariadb.getConnection()) {
            holder.setAutoCommit(false);
            execute(holder, "UPDATE counter SET counter_value = 100"); // holds the row lock
            TransactionCallback<Integer> callback = connection -> {
                if (runs.incrementAndGet() == 2) {
                    holder.rollback(); // the blocker goes away before the re-run
                }
                execute(connection, "SET SESSION innodb_lock_wait_timeout = 1");
                execute(connection, "INSERT INTO audit VALUES (1, 'attempt')"); // earlier work of this transaction
                execute(connection, "UPDATE counter SET counter_value = counter_value + 1"); // waits 1 s, then 1205
                return runs.get();
            };

            if (rollsBackWholeTransaction) {
                assertThat(runner.inTransaction(callback)).isEqualTo(2);
                assertThat(read(mariadb)).isEqualTo(1);
            } else {
                assertThatThrownBy(() -> runner.inTransaction(callback))
                        .isInstanceOfSatisfying(LockWaitTimeoutException.class, e -> {
                            assertThat(e.wholeTransactionRolledBack()).isFalse();
                            assertThat(e.getErrorCode()).isEqualTo(1205);
                            assertThat(e.getMessage()).contains("innodb_rollback_on_timeout=OFF").contains("not re-run");
                            assertThat(SqlStates.classify(e)).isEqualTo(SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY);
                        });
                assertThat(runs).hasValue(1);
                holder.rollback();
            }
        }
        assertThat(count(mariadb, "SELECT COUNT(*) FROM audit")).as("written once or rolled back").isEqualTo(rollsBackWholeTransaction ? 1 : 0);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void h2LockTimeoutIsReRun() throws Exception {
        DataSource h2 = TestDatabases.h2().dataSource();
        createCounter(h2);
        AtomicInteger runs = new AtomicInteger();
        List<SqlFailure> failures = new ArrayList<>();
        TransactionRunner runner = TransactionRunner.of(h2);
        runner.retrier().addListener(event -> {
            if (event instanceof dev.endure.retry.RetryEvent.AttemptFailed failed) {
                failures.add(SqlStates.classify(failed.failure()));
            }
        });
        try (Connection holder = h2.getConnection()) {
            holder.setAutoCommit(false);
            execute(holder, "UPDATE counter SET counter_value = 100");

            int written = runner.inTransaction(connection -> {
                if (runs.incrementAndGet() == 2) {
                    holder.rollback();
                }
                execute(connection, "SET LOCK_TIMEOUT 100");
                execute(connection, "UPDATE counter SET counter_value = counter_value + 1");
                return read(connection);
            });

            assertThat(written).isEqualTo(1);
        }
        assertThat(failures).containsExactly(SqlFailure.LOCK_TIMEOUT);
        assertThat(runs).hasValue(2);
    }

    // ------------------------------------------------------------------ helpers

    static void createCounter(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE counter (id INT PRIMARY KEY, counter_value INT NOT NULL)");
            statement.execute("INSERT INTO counter VALUES (1, 0)");
        }
    }

    private static boolean rollbackOnTimeout(DataSource mariadb) throws SQLException {
        try (Connection connection = mariadb.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT @@innodb_rollback_on_timeout")) {
            rows.next();
            return rows.getBoolean(1);
        }
    }

    static int read(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT counter_value FROM counter WHERE id = 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    static int read(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return read(connection);
        }
    }

    static int count(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            execute(connection, sql);
        }
    }
}
