package dev.endure.limit;

import dev.endure.RetryAfterHint;
import java.time.Duration;
import java.util.Optional;

/**
 * A {@link ConcurrencyLimit} rejected a call without running it: every slot was taken for the whole of the
 * policy's max wait. The message names the limit, its current value and how long the caller waited.
 *
 * <p>An adaptive limit carries a {@link RetryAfterHint}: its recent call latency, the time in which the calls in
 * flight usually finish and free their slots. A retry then waits at least that long instead of asking again at once.
 * Created without a stack trace: an overloaded limit may reject thousands of calls a second.
 */
public final class ConcurrencyLimitExceededException extends RuntimeException implements RetryAfterHint {

    private final String limitName;
    private final int limit;
    private final Duration waited;
    private final Duration retryAfter;

    ConcurrencyLimitExceededException(String message, String limitName, int limit, Duration waited, Duration retryAfter) {
        super(message, null, false, false);
        this.limitName = limitName;
        this.limit = limit;
        this.waited = waited;
        this.retryAfter = retryAfter;
    }

    public String limitName() {
        return limitName;
    }

    /** The limit when the call was rejected. */
    public int limit() {
        return limit;
    }

    /** How long the caller waited for a slot. */
    public Duration waited() {
        return waited;
    }

    /** The adaptive limit's recent call latency; empty for a fixed limit or before any call completed. */
    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
