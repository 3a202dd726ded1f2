package dev.endure.breaker;

import dev.endure.RetryAfterHint;
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

    /** The wall-clock instant of {@link #retryAfter()}, if known. */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryAt);
    }
}
