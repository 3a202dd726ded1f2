package dev.endure.retry;

/** Why a retry loop stopped while the last outcome was still retryable. */
public enum GiveUpReason {
    /** The policy's max attempts were all made. */
    MAX_ATTEMPTS("max attempts reached"),
    /** The next delay would have ended past the policy's max duration. */
    MAX_DURATION("the next retry would start past the max duration"),
    /** A retry-after hint would have ended past the policy's max duration. */
    HINT_EXCEEDS_DEADLINE("the retry-after hint ends past the max duration"),
    /**
     * A retry-after hint was longer than the policy's {@code maxRetryAfter}: retrying sooner would break
     * the promise that a retry never starts before its hint, so the loop stops (unless the policy opts
     * into clamping).
     */
    HINT_EXCEEDS_MAX_RETRY_AFTER("the retry-after hint is longer than the max retry-after"),
    /** The shared retry gate (budget) refused the retry. */
    RETRY_BUDGET("the retry budget refused the retry"),
    /**
     * The call runs inside an attempt of an outer retrier (or of a remote caller that sent the
     * {@value NestedRetries#HEADER} header), which retries it: see {@link NestedRetries}.
     */
    OUTER_RETRY("an outer layer retries this call");

    private final String description;

    GiveUpReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
