package dev.endure.delivery.jdbc;

/** A database failure inside the delivery store; the cause is the original {@link java.sql.SQLException}. */
public final class JdbcStoreException extends RuntimeException {

    public JdbcStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
