package dev.endure.jdbc;

import java.sql.SQLException;

/**
 * The connection failed while COMMIT was under way, so nobody on this side knows whether the transaction
 * committed: the server may have committed it and lost only the reply. Re-running it could book the same
 * units twice, so a {@link TransactionRunner} raises this instead, unless the callback was declared
 * idempotent ({@link TransactionRunner#inIdempotentTransaction}). Never retried.
 *
 * <p>SQLState {@code 08007}, the SQL standard's "transaction resolution unknown"; the cause is the connection
 * failure. What to do: look the outcome up (by a key the transaction wrote) before trying again.
 */
public final class CommitOutcomeUnknownException extends SQLException {

    /** The SQL standard's "connection exception: transaction resolution unknown". */
    public static final String SQL_STATE = "08007";

    private final int attempt;

    CommitOutcomeUnknownException(String message, SQLException cause, int attempt) {
        super(message, SQL_STATE, cause);
        this.attempt = attempt;
    }

    /**
     * For transaction code outside this module that commits by other means (a Spring transaction manager):
     * the connection failed during the COMMIT of {@code attempt}, with {@code cause} as the driver reported it.
     */
    public static CommitOutcomeUnknownException duringCommit(String message, SQLException cause, int attempt) {
        return new CommitOutcomeUnknownException(message, cause, attempt);
    }

    /** The attempt whose COMMIT failed (1 for the first). */
    public int attempt() {
        return attempt;
    }
}
