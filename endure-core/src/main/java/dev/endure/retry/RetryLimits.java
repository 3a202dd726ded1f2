package dev.endure.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits a retry loop keeps, whoever runs it: what {@link RetryStep#next} reads. A
 * {@link RetryPolicy} has one ({@link RetryPolicy#limits()}); endure-delivery builds one from its
 * delivery policy, so a webhook delivery and an in-process call are retried by the same step.
 *
 * @param maxAttempts attempts in all, the first included (at least 1)
 * @param backoff the delay between attempts
 * @param maxRetryAfter the longest retry-after hint honoured
 * @param maxDuration no attempt starts later than this after the first one started; null for none
 * @param clampRetryAfter opt-in: a hint beyond {@code maxRetryAfter} is cut to it and the retry starts
 *     <em>earlier</em> than the other side asked; by default such a hint ends the loop
 *     ({@link GiveUpReason#HINT_EXCEEDS_MAX_RETRY_AFTER}), so a retry never starts before its hint
 */
public record RetryLimits(int maxAttempts, Backoff backoff, Duration maxRetryAfter, Duration maxDuration,
        boolean clampRetryAfter) {

    public RetryLimits {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (was " + maxAttempts + ")");
        }
        if (maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("maxRetryAfter must not be negative (was " + maxRetryAfter + ")");
        }
        if (maxDuration != null && (maxDuration.isNegative() || maxDuration.isZero())) {
            throw new IllegalArgumentException("maxDuration must be positive (was " + maxDuration + ")");
        }
    }
}
