package dev.endure.spring.internal;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * Remembers, per thread, the failure of the last COMMIT a transaction manager attempted, so the transaction
 * retry can tell "the connection died during COMMIT" (outcome unknown) from "the connection died earlier"
 * (nothing committed; safe to re-run). Added to every transaction manager of the context.
 */
public final class CommitFailures implements TransactionExecutionListener {

    private static final ThreadLocal<Throwable> LAST = new ThreadLocal<>();

    @Override
    public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
        if (commitFailure != null) {
            LAST.set(commitFailure);
        }
    }

    static void clear() {
        LAST.remove();
    }

    /** Whether {@code failure} is, or was caused by, the failure of a COMMIT on this thread since {@link #clear}. */
    static boolean failedInCommit(Throwable failure) {
        Throwable commit = LAST.get();
        for (Throwable node = failure; node != null && commit != null; node = node.getCause() == node ? null : node.getCause()) {
            if (node == commit) {
                return true;
            }
        }
        return false;
    }
}
