package dev.endure.jdbc;

import java.sql.SQLException;

/**
 * A MariaDB or MySQL lock wait timeout (error 1205), with what the server rolled back. The error itself is the
 * same either way ({@code HY000}, 1205, "try restarting transaction"): only the server's
 * {@code innodb_rollback_on_timeout} setting says whether it rolled back the whole transaction ({@code ON}) or
 * only the last statement ({@code OFF}, the default), so a {@link TransactionRunner} asks the server on the same
 * connection and raises this with the answer. Retried only when the whole transaction was rolled back (see
 * {@link SqlFailure#LOCK_TIMEOUT_STATEMENT_ONLY} for why not otherwise). The cause is the driver's exception.
 */
public final class LockWaitTimeoutException extends SQLException {

    private final boolean wholeTransactionRolledBack;

    LockWaitTimeoutException(String message, SQLException cause, boolean wholeTransactionRolledBack) {
        super(message, cause.getSQLState(), cause.getErrorCode(), cause);
        this.wholeTransactionRolledBack = wholeTransactionRolledBack;
    }

    /** True when the server rolled back the whole transaction ({@code innodb_rollback_on_timeout=ON}). */
    public boolean wholeTransactionRolledBack() {
        return wholeTransactionRolledBack;
    }
}
