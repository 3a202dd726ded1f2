package dev.endure.spring.internal;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * Tells, per thread, whether the last transaction began to COMMIT without finishing it, so the transaction
 * retry can tell "the connection died during COMMIT" (outcome unknown) from "the connection died earlier"
 * (nothing committed; safe to re-run). Added to every transaction manager of the context.
 *
 * <p>A COMMIT is marked as begun just before the manager sends it and unmarked when it succeeds: Spring
 * reports a failed COMMIT to listeners differently depending on the exception type, but always calls these
 * two on the way.
 */
public final class CommitFailures implements TransactionExecutionListener {

    private static final ThreadLocal<Boolean> COMMITTING = new ThreadLocal<>();

    @Override
    public void beforeCommit(TransactionExecution transaction) {
        COMMITTING.set(Boolean.TRUE);
    }

    @Override
    public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
        if (commitFailure == null) {
            COMMITTING.remove();
        }
    }

    static void clear() {
        COMMITTING.remove();
    }

    /** Whether a COMMIT on this thread began since {@link #clear} and did not succeed. */
    static boolean commitDidNotFinish() {
        return COMMITTING.get() != null;
    }
}
