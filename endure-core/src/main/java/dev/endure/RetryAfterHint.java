package dev.endure;

import java.time.Duration;
import java.util.Optional;

/**
 * Implemented by failures that know when a retry could succeed: an open circuit breaker's rejection,
 * a throttling response turned into an exception. The default {@link Classifier} turns such a failure
 * (found anywhere in the cause chain) into {@link Verdict#retryAfter(Duration)}.
 */
public interface RetryAfterHint {

    /** How long to wait at least before trying again, if known. */
    Optional<Duration> retryAfter();
}
