package dev.endure.retry;

import java.time.Duration;

/** A retry loop ended without a result; says how many attempts were made and how long it took. */
public abstract class RetryException extends RuntimeException {

    private final String policyName;
    private final int attempts;
    private final Duration elapsed;

    RetryException(String message, Throwable cause, String policyName, int attempts, Duration elapsed) {
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
