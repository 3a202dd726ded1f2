package dev.endure.pipeline;

import dev.endure.retry.RetryException;
import java.time.Duration;

/**
 * One attempt ran past the {@link Pipeline}'s per-attempt timeout. The pipeline retries it (a timeout is
 * transient) and its breaker counts it as a failure. When the timed-out attempt threw something on its way
 * out (typically an {@link InterruptedException} caused by the timeout), that is the cause.
 * {@link #attempts()} is the number of the attempt that timed out, {@link #elapsed()} the timeout.
 */
public final class AttemptTimeoutException extends RetryException {

    AttemptTimeoutException(String message, Throwable cause, String policyName, int attempt, Duration timeout) {
        super(message, cause, policyName, attempt, timeout);
    }

    /** The attempt that timed out, 1 for the first. */
    public int attempt() {
        return attempts();
    }

    public Duration timeout() {
        return elapsed();
    }
}
