package dev.endure.breaker;

import dev.endure.Durations;
import dev.endure.RetryAfterHint;
import dev.endure.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A circuit breaker rejected a call without running it. Carries the time until the breaker lets a trial
 * through as a {@link RetryAfterHint}, so a retry waits for it (if it fits in the retry's max duration)
 * instead of hammering an open breaker.
 *
 * <p>Created without a stack trace: an open breaker may reject thousands of calls a second, and where the
 * rejection happened is always the breaker.
 */
public final class CallNotPermittedException extends RuntimeException implements RetryAfterHint {

    private final String breakerName;
    private final BreakerState state;
    private final Duration retryAfter;
    private final Instant retryAt;
    private final boolean forced;

    CallNotPermittedException(String message, String breakerName, BreakerState state, Duration retryAfter, Instant retryAt,
            boolean forced) {
        super(message, null, false, false);
        this.breakerName = breakerName;
        this.state = state;
        this.retryAfter = retryAfter;
        this.retryAt = retryAt;
        this.forced = forced;
    }

    public String breakerName() {
        return breakerName;
    }

    /** OPEN, or HALF_OPEN when every trial slot was taken. */
    public BreakerState state() {
        return state;
    }

    /** True when an operator forced the breaker open: it stays open until reset, so waiting does not help. */
    public boolean forced() {
        return forced;
    }

    /**
     * The time until the breaker lets a trial call through; empty when forced open (no end is known) or
     * when HALF_OPEN had no free trial slot (the slot frees when a trial ends).
     */
    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * What this rejection means for a retry, the one rule every caller of a breaker applies: an OPEN
     * breaker's remaining time is a retry-after hint (a retry waits for it if it fits the max duration,
     * and fails now with the hint in the error if not); a breaker forced open, or a HALF_OPEN breaker
     * whose trial slots are taken, fails the call now: nobody knows when either ends, so waiting could
     * only spend the caller's time (a wait for another caller's trial used to eat whole deadlines).
     * The reason never mentions a {@code Retry-After}: this is the breaker speaking, not the server.
     */
    public Verdict verdict() {
        if (forced) {
            return Verdict.fail("circuit breaker '" + breakerName + "' is forced open");
        }
        if (retryAfter != null) {
            return Verdict.retryAfter(retryAfter, "circuit breaker '" + breakerName + "' is OPEN for " + Durations.describe(retryAfter));
        }
        return Verdict.fail("circuit breaker '" + breakerName + "' is HALF_OPEN and its trial calls are in flight");
    }

    /** The wall-clock instant of {@link #retryAfter()}, if known. */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryAt);
    }
}
