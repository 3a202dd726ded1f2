package dev.endure.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The whole body of one transaction: every read and every write. A {@link TransactionRunner} may call it
 * several times, each time on a fresh transaction, so it must not keep state from an earlier call that the
 * database rolled back (a counter outside the database, a half-built result). It must not commit, roll back
 * or change auto-commit itself; the runner does that.
 *
 * @param <T> what the transaction returns once committed
 */
@FunctionalInterface
public interface TransactionCallback<T> {

    /** Runs the transaction's statements on {@code connection}, which is in a transaction already. */
    T run(Connection connection) throws SQLException;
}
