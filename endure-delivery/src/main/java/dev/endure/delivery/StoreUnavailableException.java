package dev.endure.delivery;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientException;

/**
 * The store could not be reached or did not answer in time (connection refused or lost, pool exhausted,
 * statement timeout, database shutting down). Nothing is known to be wrong with the request: the same call
 * may succeed later. The worker retries its writes on it; the server answers 503 with Retry-After.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure} or one of its causes says the store is unreachable, rather than that a request was bad. */
    public static boolean isStoreOutage(Throwable failure) {
        for (Throwable current = failure; current != null; current = current.getCause() == current ? null : current.getCause()) {
            if (current instanceof StoreUnavailableException) {
                return true;
            }
            if (current instanceof SQLException sql) {
                for (SQLException next = sql; next != null; next = next.getNextException()) {
                    if (isOutage(next)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isOutage(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException || e instanceof SQLNonTransientConnectionException) {
            return true;
        }
        String state = e.getSQLState();
        if (state == null) {
            return false;
        }
        // 08: connection exception; 53: insufficient resources (too many connections); 57P0x: the server is
        // shutting down or starting; 57014: statement timeout; HYT0x: driver timeouts.
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P") || state.equals("57014")
                || state.startsWith("HYT");
    }
}
