package dev.endure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Classifier;
import dev.endure.Verdict;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The classification table. The exceptions carry the SQLStates, vendor codes and messages the real drivers gave
 * for these failures here (PostgreSQL 15 / pgJDBC 42.7, MariaDB 10.11 / Connector/J 3.5, H2 2.3); the tests that
 * provoke them for real are in {@link RealDriverFailuresTest}.
 */
class SqlStatesTest {

    @ParameterizedTest(name = "{0} code {1} -> {2}")
    @CsvSource({
        "40001, 0,     SERIALIZATION_FAILURE",       // PostgreSQL: could not serialize access
        "40001, 40001, SERIALIZATION_FAILURE",       // H2: Deadlock detected. The current transaction was rolled back.
        "40001, 1213,  SERIALIZATION_FAILURE",       // MariaDB: Deadlock found when trying to get lock
        "40P01, 0,     DEADLOCK",                    // PostgreSQL: deadlock detected
        "HYT00, 50200, LOCK_TIMEOUT",                // H2: Timeout trying to lock table
        "90131, 90131, CONCURRENT_UPDATE",           // H2: Concurrent update
        "HY000, 1205,  LOCK_TIMEOUT_STATEMENT_ONLY", // MariaDB: Lock wait timeout exceeded (rolled back what? ask the server)
        "08006, 0,     CONNECTION_FAILURE",          // PostgreSQL: An I/O error occurred while sending to the backend
        "08001, 0,     CONNECTION_FAILURE",          // PostgreSQL: connection refused
        "08000, 0,     CONNECTION_FAILURE",          // MariaDB: socket error
        "57P01, 0,     CONNECTION_FAILURE",          // PostgreSQL: terminating connection due to administrator command
        "23505, 0,     NOT_TRANSIENT",               // unique violation
        "HYT00, 0,     NOT_TRANSIENT",               // a timeout that is not H2's lock timeout
        "HY000, 1062,  NOT_TRANSIENT",               // MariaDB duplicate entry
        "42P01, 0,     NOT_TRANSIENT",               // undefined table
    })
    void classifiesBySqlStateWithTheVendorCodeOnlyAlongside(String sqlState, int code, SqlFailure expected) {
        SQLException failure = new SQLException("driver message", sqlState, code);

        assertThat(SqlStates.classify(failure)).isEqualTo(expected);
        assertThat(SqlStates.isRetryable(failure)).isEqualTo(expected.isRetryable());
    }

    @Test
    void aVendorCodeAloneDecidesNothing() {
        assertThat(SqlStates.classify(new SQLException("no state", null, 1213))).isEqualTo(SqlFailure.NOT_TRANSIENT);
        assertThat(SqlStates.classify(new SQLException("no state", null, 50200))).isEqualTo(SqlFailure.NOT_TRANSIENT);
    }

    @Test
    void findsTheSqlStateDeepInTheCauseChain() {
        SQLException driver = new SQLException("could not serialize access due to concurrent update", "40001");
        RuntimeException wrapped = new CompletionException(new IllegalStateException("repository failed", driver));

        assertThat(SqlStates.classify(wrapped)).isEqualTo(SqlFailure.SERIALIZATION_FAILURE);
        assertThat(SqlStates.sqlStateOf(wrapped)).isEqualTo("40001");
    }

    @Test
    void findsTheSqlStateInTheNextExceptionChainOfABatch() {
        // pgJDBC reports a failed batch as 'Batch entry 0 ... was aborted' and puts the real error in getNextException().
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 UPDATE ... was aborted", "25P02", 0, new int[0]);
        batch.setNextException(new SQLException("ERROR: could not serialize access due to read/write dependencies", "40001"));

        assertThat(SqlStates.classify(batch)).isEqualTo(SqlFailure.SERIALIZATION_FAILURE);
        assertThat(SqlStates.isSerializationFailure(new RuntimeException(batch))).isTrue();
    }

    @Test
    void survivesACyclicChain() {
        SQLException first = new SQLException("first", "XX000");
        SQLException second = new SQLException("second", "XX001");
        first.setNextException(second);
        second.setNextException(first);

        assertThat(SqlStates.classify(first)).isEqualTo(SqlFailure.NOT_TRANSIENT);
    }

    @Test
    void anUnknownCommitOutcomeIsNeverRetriedEvenThoughItsCauseIsAConnectionFailure() {
        SQLException io = new SQLException("An I/O error occurred while sending to the backend.", "08006");
        CommitOutcomeUnknownException unknown = new CommitOutcomeUnknownException("commit outcome unknown", io, 1);

        assertThat(SqlStates.classify(unknown)).isEqualTo(SqlFailure.COMMIT_OUTCOME_UNKNOWN);
        assertThat(SqlStates.classify(new RuntimeException(unknown))).isEqualTo(SqlFailure.COMMIT_OUTCOME_UNKNOWN);
        assertThat(unknown.getSQLState()).isEqualTo("08007");
    }

    @Test
    void aMariaDbLockWaitTimeoutIsRetriedOnlyWhenTheWholeTransactionWasRolledBack() {
        SQLException driver = new SQLException("(conn=19) Lock wait timeout exceeded; try restarting transaction", "HY000", 1205);

        assertThat(SqlStates.classify(new LockWaitTimeoutException("whole", driver, true))).isEqualTo(SqlFailure.LOCK_TIMEOUT);
        assertThat(SqlStates.classify(new LockWaitTimeoutException("statement", driver, false)))
                .isEqualTo(SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY);
        assertThat(SqlStates.classify(driver)).as("unknown: assume the statement only").isEqualTo(SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY);
    }

    @Test
    void somethingThatIsNoSqlFailureIsNotTransient() {
        assertThat(SqlStates.classify(null)).isEqualTo(SqlFailure.NOT_TRANSIENT);
        assertThat(SqlStates.classify(new IllegalArgumentException("units must be positive"))).isEqualTo(SqlFailure.NOT_TRANSIENT);
        assertThat(SqlStates.sqlStateOf(new IllegalArgumentException())).isNull();
    }

    @Test
    void theClassifierRetriesTransientFailuresWithAReasonAndFailsFastOnTheRest() {
        Classifier<Object> classifier = SqlStates.classifier();
        SQLTransactionRollbackException mariaDeadlock = new SQLTransactionRollbackException(
                "(conn=21) Deadlock found when trying to get lock; try restarting transaction", "40001", 1213);

        Verdict retry = classifier.classify(null, mariaDeadlock);
        assertThat(retry.kind()).isEqualTo(Verdict.Kind.RETRY);
        assertThat(retry.reason()).hasValue(
                "SQLState 40001 (code 1213, serialization failure): (conn=21) Deadlock found when trying to get lock; try restarting transaction");
        assertThat(classifier.classify(null, new IllegalStateException("only 3 units left"))).isEqualTo(Verdict.fail());
        assertThat(classifier.classify(null, new SQLException("duplicate key", "23505")).kind()).isEqualTo(Verdict.Kind.FAIL);
        assertThat(classifier.classify("a result", null)).isEqualTo(Verdict.success());
    }

    @Test
    void describesWithTheFirstLineOfTheDriverMessageOnly() {
        SQLException h2 = new SQLException("Deadlock detected. The current transaction was rolled back. Details: \"T\"; SQL statement:\n"
                + "UPDATE t SET v = 8 WHERE id = 1 [40001-232]", "40001", 40001);

        assertThat(SqlStates.describe(h2)).isEqualTo(
                "SQLState 40001 (code 40001, serialization failure): Deadlock detected. The current transaction was rolled back. Details: \"T\"; SQL statement:");
        assertThat(SqlStates.describe(new SQLException("ERROR: could not serialize access due to concurrent update", "40001")))
                .isEqualTo("SQLState 40001 (serialization failure): ERROR: could not serialize access due to concurrent update");
    }
}
