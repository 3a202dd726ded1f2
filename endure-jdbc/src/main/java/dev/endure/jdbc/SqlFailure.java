package dev.endure.jdbc;

/**
 * What a failed statement or commit means for a transaction, as {@link SqlStates#classify} reads it from the
 * SQLStates in a failure's chain. {@link #isRetryable()} says whether re-running the whole transaction on a
 * fresh one may succeed.
 */
public enum SqlFailure {
    /** SQLState 40001: PostgreSQL and H2 serialization failures, MariaDB deadlock victims (1213). */
    SERIALIZATION_FAILURE(true, "serialization failure"),
    /** SQLState 40P01: a PostgreSQL deadlock; the server rolled back this transaction. */
    DEADLOCK(true, "deadlock"),
    /**
     * A lock wait timed out and the whole transaction is gone: H2 50200 (the runner rolls it back), or
     * MariaDB/MySQL 1205 with {@code innodb_rollback_on_timeout=ON}.
     */
    LOCK_TIMEOUT(true, "lock wait timeout"),
    /**
     * MariaDB/MySQL 1205 when the server rolled back only the statement ({@code innodb_rollback_on_timeout=OFF},
     * the default), or when it is not known whether it rolled back more. Not retried: another transaction held
     * the lock for all of {@code innodb_lock_wait_timeout} (50 s by default), which is a stuck or long
     * transaction, not a conflict that a quick re-run resolves.
     */
    LOCK_TIMEOUT_STATEMENT_ONLY(false, "lock wait timeout (statement rolled back only)"),
    /** H2 90131: another transaction changed the same row. */
    CONCURRENT_UPDATE(true, "concurrent update"),
    /**
     * SQLState class 08 (connection exception), or PostgreSQL 57P01/57P02/57P03 (the server is shutting down or
     * starting): before COMMIT the transaction cannot have committed, so it is re-run on a new connection.
     */
    CONNECTION_FAILURE(true, "connection failure"),
    /** The connection failed during COMMIT: see {@link CommitOutcomeUnknownException}. Never retried. */
    COMMIT_OUTCOME_UNKNOWN(false, "commit outcome unknown"),
    /** Anything else: a constraint violation, a syntax error, a failure that is not a SQLException. */
    NOT_TRANSIENT(false, "not a transient SQL failure");

    private final boolean retryable;
    private final String description;

    SqlFailure(boolean retryable, String description) {
        this.retryable = retryable;
        this.description = description;
    }

    /** True when re-running the whole transaction on a fresh one may succeed. */
    public boolean isRetryable() {
        return retryable;
    }

    /** A few words for logs and error messages, e.g. {@code "serialization failure"}. */
    public String description() {
        return description;
    }
}
