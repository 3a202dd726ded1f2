package dev.endure.delivery.jdbc;

import dev.endure.delivery.StoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The delivery store's one way to run a transaction: commit on success, roll back on any failure, and
 * tell an unreachable store ({@link StoreUnavailableException}, which callers retry) from any other
 * database error ({@link JdbcStoreException}). Used by the store, its operator writes and retention.
 */
public final class JdbcTransactions {

    /** Work done on one connection inside the transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private JdbcTransactions() {}

    /** Runs {@code work} in one transaction on a connection of {@code dataSource}. */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailure) {
                    if (StoreUnavailableException.isStoreOutage(rollbackFailure)) {
                        // The connection died under the work: whatever the driver threw (some throw an AssertionError
                        // or an unchecked exception on a closed connection), the store is what failed, so the caller
                        // retries it as an outage instead of blaming the delivery.
                        var outage = new StoreUnavailableException("delivery store: connection lost ("
                                + rollbackFailure.getMessage() + ", SQLState " + rollbackFailure.getSQLState() + ")", rollbackFailure);
                        outage.addSuppressed(e);
                        throw outage;
                    }
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** One read in auto-commit mode: no BEGIN/COMMIT round trips for a single consistent statement. */
    public static <T> T autoCommit(DataSource dataSource, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            if (!autoCommit) {
                connection.setAutoCommit(true);
            }
            try {
                return work.run(connection);
            } finally {
                if (!autoCommit) {
                    connection.setAutoCommit(false); // hand it back as it came
                }
            }
        } catch (SQLException e) {
            throw failure(e); // as inTransaction(): an outage is retried by the worker
        }
    }

    /** The store's exception for {@code e}: an outage callers retry, or a plain database error. */
    static RuntimeException failure(SQLException e) {
        String message = "delivery store: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")";
        return StoreUnavailableException.isStoreOutage(e) ? new StoreUnavailableException(message, e)
                : new JdbcStoreException(message, e);
    }
}
