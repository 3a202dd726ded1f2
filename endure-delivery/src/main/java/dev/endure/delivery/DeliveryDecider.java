package dev.endure.delivery;

import dev.endure.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * Turns an attempt's result into a {@link Decision} under a {@link DeliveryPolicy}. Pure apart from the
 * jitter's random numbers; tested without a database or a network.
 *
 * <p>Order of the rules: 2xx delivers; a disabling status (404/410) disables the endpoint; a status
 * that is neither retryable (5xx, throttling) nor an allowed client error fails at once; otherwise the
 * attempt budget is checked, then the backoff delay is computed, raised to a Retry-After hint (capped
 * by {@code retryAfterCap}), and refused if it would start after the maximum duration.
 */
public final class DeliveryDecider {

    private DeliveryDecider() {}

    /**
     * @param attempt the number of the attempt that just ended (1 for the first of a cycle)
     * @param windowStart when the cycle's first attempt started
     * @param ended when this attempt ended; the next delay counts from here
     * @param previousDelay the delay before this attempt (for decorrelated jitter), or null
     */
    public static Decision decide(DeliveryPolicy policy, int attempt, Instant windowStart, Instant ended, AttemptResult result,
            Duration previousDelay, RandomGenerator random) {
        Integer status = result.status();
        if (status != null && status >= 200 && status < 300) {
            return new Decision.Delivered();
        }
        String what = result.describe() + " on attempt " + attempt;
        if (status != null && policy.disableStatuses().contains(status)) {
            return new Decision.DisableEndpoint(what);
        }
        if (status != null && !isRetryable(policy, status)) {
            String hint = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
            return new Decision.GiveUp(Decision.Cause.PERMANENT, what + hint, null);
        }
        if (attempt >= policy.maxAttempts()) {
            return new Decision.GiveUp(Decision.Cause.MAX_ATTEMPTS,
                    "max retries exceeded: " + attempt + " attempts; last " + what, null);
        }
        Duration delay = policy.backoff().delay(attempt, previousDelay, random);
        if (result.retryAfter() != null) {
            // A hint is a floor (DESIGN idea 5), bounded by the cap so a receiver cannot park us for days.
            Duration hint = result.retryAfter().compareTo(policy.retryAfterCap()) > 0 ? policy.retryAfterCap() : result.retryAfter();
            if (hint.compareTo(delay) > 0) {
                delay = hint;
            }
        }
        Instant next = ended.plus(delay);
        Instant limit = windowStart.plus(policy.maxDuration());
        if (next.isAfter(limit)) {
            return new Decision.GiveUp(Decision.Cause.DURATION_EXCEEDED, "max duration exceeded: the next attempt would start "
                    + Durations.describe(Duration.between(windowStart, next)) + " after the first (limit "
                    + Durations.describe(policy.maxDuration()) + "); last " + what, delay);
        }
        return new Decision.Retry(next, delay, what);
    }

    /** Whether a non-2xx status may succeed later: 5xx, the throttling statuses, and 4xx if allowed. */
    static boolean isRetryable(DeliveryPolicy policy, int status) {
        if (policy.throttleStatuses().contains(status) || (status >= 500 && status <= 599)) {
            return true;
        }
        return status >= 400 && status < 500 && policy.retryClientErrors();
    }

    /** Throttling answers say "slow down", not "broken": they do not count against the circuit breaker. */
    static boolean isThrottling(DeliveryPolicy policy, AttemptResult result) {
        return result.status() != null && policy.throttleStatuses().contains(result.status());
    }
}
