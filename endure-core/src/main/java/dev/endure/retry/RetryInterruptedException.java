package dev.endure.retry;

import java.time.Duration;

/**
 * The thread waiting between attempts was interrupted, so retrying stopped. The thread's interrupt
 * flag is set again when this is thrown; the last failure is the cause.
 */
public final class RetryInterruptedException extends RetryException {

    RetryInterruptedException(String message, Throwable cause, String policyName, int attempts, Duration elapsed) {
        super(message, cause, policyName, attempts, elapsed);
    }
}
