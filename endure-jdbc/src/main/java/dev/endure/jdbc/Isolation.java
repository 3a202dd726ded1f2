package dev.endure.jdbc;

import java.sql.Connection;

/**
 * The transaction isolation level a {@link TransactionRunner} sets on the connection it borrows. The default
 * is {@link #SERIALIZABLE}: seed 000 relies on it to keep {@code used + scheduled <= total} without a lock or
 * a constraint, and pays with serialization failures that the runner re-runs.
 */
public enum Isolation {
    READ_UNCOMMITTED(Connection.TRANSACTION_READ_UNCOMMITTED),
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

    private final int jdbcLevel;

    Isolation(int jdbcLevel) {
        this.jdbcLevel = jdbcLevel;
    }

    /** The {@code Connection.TRANSACTION_*} constant. */
    public int jdbcLevel() {
        return jdbcLevel;
    }
}
