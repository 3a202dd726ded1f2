package dev.endure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import dev.endure.testing.CountingDataSource;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The runner's contract on H2 (fast, in memory, real): commit, roll back, re-run, restore, refuse bad policies. */
class TransactionRunnerTest {

    private DataSource h2;
    private CountingDataSource tracked;

    @BeforeEach
    void createTable() throws SQLException {
        h2 = TestDatabases.h2().dataSource();
        tracked = new CountingDataSource(h2);
        try (Connection connection = h2.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE counters (id INT PRIMARY KEY, counter_value INT NOT NULL)");
            statement.execute("INSERT INTO counters VALUES (1, 0)");
        }
    }

    @Test
    void commitsTheCallbacksWorkAndReturnsItsResult() throws SQLException {
        TransactionRunner runner = TransactionRunner.of(tracked);

        int written = runner.inTransaction(connection -> setCounter(connection, 1, 41) + 41);

        assertThat(written).isEqualTo(42);
        assertThat(counter(1)).isEqualTo(41);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void runsSerializableWithAutoCommitOffAndRestoresTheBorrowedConnection() throws SQLException {
        int originalIsolation;
        try (Connection connection = h2.getConnection()) {
            originalIsolation = connection.getTransactionIsolation();
        }
        assertThat(originalIsolation).isNotEqualTo(Connection.TRANSACTION_SERIALIZABLE);
        List<Object> seenInside = new ArrayList<>();

        TransactionRunner.of(tracked).inTransaction(connection -> {
            seenInside.add(connection.getAutoCommit());
            seenInside.add(connection.getTransactionIsolation());
            return null;
        });

        assertThat(seenInside).containsExactly(false, Connection.TRANSACTION_SERIALIZABLE);
        assertThat(tracked.returned()).containsExactly(new CountingDataSource.Returned(true, originalIsolation));
    }

    @Test
    void anotherIsolationLevelCanBeChosen() throws SQLException {
        TransactionRunner runner = TransactionRunner.builder(tracked).isolation(Isolation.REPEATABLE_READ).build();

        int inside = runner.inTransaction(Connection::getTransactionIsolation);
        int readCommitted = runner.withIsolation(Isolation.READ_COMMITTED).inTransaction(Connection::getTransactionIsolation);

        assertThat(inside).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
        assertThat(readCommitted).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
        assertThat(tracked.returned()).allSatisfy(returned -> assertThat(returned.autoCommit()).isTrue());
    }

    @Test
    void aDomainFailureRollsBackAndReachesTheCallerUnchangedOnTheFirstAttempt() {
        IllegalStateException insufficient = new IllegalStateException("only 3 units left");
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> TransactionRunner.of(tracked).inTransaction(connection -> {
            runs.incrementAndGet();
            setCounter(connection, 1, 99);
            throw insufficient;
        })).isSameAs(insufficient);

        assertThat(runs).hasValue(1);
        assertThat(counter(1)).as("rolled back").isZero();
        assertThat(tracked.open()).isZero();
        assertThat(tracked.returned()).singleElement().extracting(CountingDataSource.Returned::autoCommit).isEqualTo(true);
    }

    @Test
    void aConstraintViolationIsNotRetried() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> TransactionRunner.of(tracked).inTransaction(connection -> {
            runs.incrementAndGet();
            try (Statement statement = connection.createStatement()) {
                return statement.executeUpdate("INSERT INTO counters VALUES (1, 5)");
            }
        })).isInstanceOf(SQLException.class).satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));

        assertThat(runs).hasValue(1);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void reRunsTheWholeCallbackReadsIncludedOnAFreshTransaction() throws SQLException {
        List<Integer> reads = new ArrayList<>();

        int written = TransactionRunner.of(tracked).inTransaction(connection -> {
            int read = counter(connection, 1);
            reads.add(read);
            if (reads.size() == 1) {
                commitConcurrently(1, 5); // another transaction commits in between our read and our write
            }
            setCounter(connection, 1, read + 1);
            return read + 1;
        });

        assertThat(reads).as("the retry read again and saw the other transaction's write").containsExactly(0, 5);
        assertThat(written).isEqualTo(6);
        assertThat(counter(1)).isEqualTo(6);
        assertThat(tracked.borrowed()).as("a fresh connection per attempt").isEqualTo(2);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void seed000DefaultsWaitTenTwentyFortyEightyMillisecondsThenGiveUp() {
        VirtualTime time = new VirtualTime();
        Retrier<Object> retrier = Retrier.builder(TransactionRunner.defaultPolicy()).time(time).build();
        TransactionRunner runner = TransactionRunner.builder(tracked).retrier(retrier).build();
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> runner.inTransaction(connection -> {
            int attempt = runs.incrementAndGet();
            int read = counter(connection, 1);
            commitConcurrently(1, 100 * attempt); // every attempt loses the race: a real H2 serialization failure
            return setCounter(connection, 1, read + 1);
        })).isInstanceOf(RetriesExhaustedException.class)
                .hasMessageContaining("after 5 attempts")
                .hasMessageContaining("SQLState 40001")
                .satisfies(e -> assertThat(SqlStates.isSerializationFailure(e.getCause())).isTrue());

        assertThat(runs).hasValue(5);
        List<Duration> sleeps = time.sleeps();
        assertThat(sleeps).hasSize(4);
        long[] expectedMillis = {10, 20, 40, 80};
        for (int i = 0; i < 4; i++) {
            assertThat(sleeps.get(i).toNanos() / 1e6).as("delay before attempt %d", i + 2)
                    .isCloseTo(expectedMillis[i], within(expectedMillis[i] * 0.10 + 1e-6));
        }
        assertThat(counter(1)).as("only the concurrent writes committed").isEqualTo(500);
        assertThat(tracked.open()).isZero();
    }

    @Test
    void theDefaultPolicyIsSeed000s() {
        RetryPolicy<Object> policy = TransactionRunner.defaultPolicy();

        assertThat(policy.maxAttempts()).isEqualTo(5);
        assertThat(policy.backoff()).isEqualTo(Backoff.exponential(Duration.ofMillis(10), 2.0)
                .withCap(Duration.ofMillis(160)).withJitter(Jitter.proportional(0.10)));
        assertThat(policy.backoff().computedNanos(5)).isEqualTo(Duration.ofMillis(160).toNanos());
        assertThat(policy.backoff().computedNanos(6)).as("capped").isEqualTo(Duration.ofMillis(160).toNanos());
        assertThat(TransactionRunner.of(h2).isolation()).isEqualTo(Isolation.SERIALIZABLE);
    }

    @Test
    void aConnectionThatCannotBeOpenedIsTriedAgainOnANewOneUntilAttemptsRunOut() {
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setUrl("jdbc:postgresql://127.0.0.1:1/none?user=postgres&connectTimeout=2");
        CountingDataSource counted = new CountingDataSource(nowhere);
        VirtualTime time = new VirtualTime();
        TransactionRunner runner = TransactionRunner.builder(counted)
                .retrier(Retrier.builder(TransactionRunner.policyBuilder().maxAttempts(3).build()).time(time).build())
                .build();

        assertThatThrownBy(() -> runner.inTransaction(connection -> 1))
                .isInstanceOf(RetriesExhaustedException.class)
                .hasMessageContaining("after 3 attempts")
                .satisfies(e -> assertThat(SqlStates.isConnectionFailure(e.getCause())).isTrue());
        assertThat(time.sleeps()).hasSize(2);
        assertThat(runner.stats().snapshot().attempts()).isEqualTo(3);
    }

    @Test
    void refusesAPolicyThatWouldReRunATransactionForAnyException() {
        RetryPolicy<Object> retriesEverything = RetryPolicy.builder().name("billing").maxAttempts(5).build();

        assertThatThrownBy(() -> TransactionRunner.builder(h2).retryPolicy(retriesEverything).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retry policy 'billing'")
                .hasMessageContaining("IllegalStateException")
                .hasMessageContaining("TransactionRunner.policyBuilder()");
    }

    @Test
    void refusesAPolicyThatWouldReRunAfterAnUnknownCommitOutcome() {
        RetryPolicy<Object> retriesAllSql = TransactionRunner.policyBuilder().name("sql-all")
                .classifier((result, failure) -> failure instanceof SQLException && !"23505".equals(((SQLException) failure).getSQLState())
                        ? dev.endure.Verdict.retry() : dev.endure.Verdict.fail())
                .build();

        assertThatThrownBy(() -> TransactionRunner.builder(h2).retryPolicy(retriesAllSql).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CommitOutcomeUnknownException");
    }

    @Test
    void refusesAPolicyAndARetrierTogether() {
        assertThatThrownBy(() -> TransactionRunner.builder(h2)
                .retryPolicy(TransactionRunner.defaultPolicy())
                .retrier(Retrier.of(TransactionRunner.defaultPolicy()))
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not both");
    }

    @Test
    void failFastChecksBeforeTheRunnerRunOnceWhileTheTransactionIsReRun() throws SQLException {
        AtomicInteger checks = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        TransactionRunner runner = TransactionRunner.of(tracked);

        // Seed 000's pattern: authorise and validate once, outside; retry only the transaction.
        checks.incrementAndGet();
        runner.inTransaction(connection -> {
            int read = counter(connection, 1);
            if (runs.incrementAndGet() == 1) {
                commitConcurrently(1, 7);
            }
            return setCounter(connection, 1, read + 1);
        });

        assertThat(runs).hasValue(2);
        assertThat(checks).hasValue(1);
        assertThat(runner.stats().snapshot().callsWithAttempts(2)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private void commitConcurrently(int id, int value) throws SQLException {
        try (Connection other = h2.getConnection()) {
            setCounter(other, id, value);
        }
    }

    private static int setCounter(Connection connection, int id, int value) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE counters SET counter_value = ? WHERE id = ?")) {
            update.setInt(1, value);
            update.setInt(2, id);
            return update.executeUpdate();
        }
    }

    static int counter(Connection connection, int id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT counter_value FROM counters WHERE id = ?")) {
            select.setInt(1, id);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private int counter(int id) {
        try (Connection connection = h2.getConnection()) {
            return counter(connection, id);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
