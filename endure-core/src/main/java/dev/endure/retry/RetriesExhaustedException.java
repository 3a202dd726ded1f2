package dev.endure.retry;

import java.time.Duration;
import java.util.Optional;

/**
 * Every allowed attempt failed with a retryable outcome. The last failure is the cause (earlier ones,
 * bounded by {@link RetryPolicy#maxSuppressed()}, are suppressed); when the last outcome was a result
 * the policy retries on (say an HTTP 503), {@link #lastResult()} holds it.
 */
public final class RetriesExhaustedException extends RetryException {

    private final GiveUpReason reason;
    private final transient Object lastResult;
    private final Duration hint;

    RetriesExhaustedException(String message, Throwable cause, String policyName, int attempts, Duration elapsed,
            GiveUpReason reason, Object lastResult, Duration hint) {
        super(message, cause, policyName, attempts, elapsed);
        this.reason = reason;
        this.lastResult = lastResult;
        this.hint = hint;
    }

    public GiveUpReason reason() {
        return reason;
    }

    /** The last result, when the last outcome was a result rather than a failure. */
    public Optional<Object> lastResult() {
        return Optional.ofNullable(lastResult);
    }

    /** The retry-after hint that did not fit, for {@link GiveUpReason#HINT_EXCEEDS_DEADLINE}. */
    public Optional<Duration> hint() {
        return Optional.ofNullable(hint);
    }
}
