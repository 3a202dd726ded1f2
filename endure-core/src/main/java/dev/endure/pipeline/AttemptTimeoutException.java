package dev.endure.pipeline;

import java.time.Duration;

/**
 * One attempt ran past the {@link Pipeline}'s per-attempt timeout. The pipeline retries it (a timeout is
 * transient) and its breaker counts it as a failure. When the timed-out attempt threw something on its way
 * out (typically an {@link InterruptedException} caused by the timeout), that is the cause.
 */
public final class AttemptTimeoutException extends RuntimeException {

    private final String policyName;
    private final int attempt;
    private final Duration timeout;

    AttemptTimeoutException(String message, Throwable cause, String policyName, int attempt, Duration timeout) {
        super(message, cause);
        this.policyName = policyName;
        this.attempt = attempt;
        this.timeout = timeout;
    }

    public String policyName() {
        return policyName;
    }

    /** The attempt that timed out, 1 for the first. */
    public int attempt() {
        return attempt;
    }

    public Duration timeout() {
        return timeout;
    }
}
