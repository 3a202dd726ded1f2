package dev.endure.retry;

import java.time.Duration;

/**
 * A call (or one attempt of it) under an Endure policy ended without a result; says which policy, how
 * many attempts were made and how long it took. The retry loop's own endings and the pipeline's
 * {@code AttemptTimeoutException} share these fields.
 */
public abstract class RetryException extends RuntimeException {

    private final String policyName;
    private final int attempts;
    private final Duration elapsed;

    protected RetryException(String message, Throwable cause, String policyName, int attempts, Duration elapsed) {
        super(message, cause);
        this.policyName = policyName;
        this.attempts = attempts;
        this.elapsed = elapsed;
    }

    public String policyName() {
        return policyName;
    }

    /** Attempts made, the first included. */
    public int attempts() {
        return attempts;
    }

    /**
     * Time from the first attempt's start to giving up. When the policy has no max duration and the
     * retrier no listener, the success path reads no clock, so this counts from the end of the first
     * attempt instead.
     */
    public Duration elapsed() {
        return elapsed;
    }
}
