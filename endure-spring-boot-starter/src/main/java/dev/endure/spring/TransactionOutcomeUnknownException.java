package dev.endure.spring;

import org.springframework.transaction.TransactionException;

/**
 * The connection failed while a {@link dev.endure.spring.annotation.TransactionRetry} method's transaction
 * was committing, so nobody on this side knows whether it committed. It is not re-run (that could do the
 * work twice); look the outcome up by a key the transaction wrote before trying again. The cause is
 * endure-jdbc's {@link dev.endure.jdbc.CommitOutcomeUnknownException} (SQLState 08007), whose cause is the
 * driver's connection failure.
 */
public final class TransactionOutcomeUnknownException extends TransactionException {

    private static final long serialVersionUID = 1L;

    private final int attempt;

    public TransactionOutcomeUnknownException(String message, Throwable cause, int attempt) {
        super(message, cause);
        this.attempt = attempt;
    }

    /** The attempt whose COMMIT failed (1 for the first). */
    public int attempt() {
        return attempt;
    }
}
