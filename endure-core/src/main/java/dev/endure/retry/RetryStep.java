package dev.endure.retry;

import dev.endure.Verdict;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * What follows an attempt that did not succeed: retry after a delay, fail now, or give up with a
 * reason. A pure value, computed by {@link #next}: the one place where max attempts, the backoff, a
 * retry-after hint, {@code maxRetryAfter} and {@code maxDuration} meet. {@link Retrier} applies its
 * effects (the retry budget, stats, events, the exception); endure-delivery applies the same step to a
 * webhook delivery. Tested as a table, without time.
 *
 * <pre>{@code
 * RetryStep step = RetryStep.next(policy.limits(), 2, elapsedNanos, Verdict.retryAfter(hint), previousDelayNanos, random);
 * if (step instanceof RetryStep.Retry retry) schedule(retry.delay());
 * }</pre>
 */
public sealed interface RetryStep {

    /** Try again after {@code delayNanos}: the backoff, raised to the hint if there was one. */
    record Retry(long delayNanos) implements RetryStep {
        public Duration delay() {
            return Duration.ofNanos(delayNanos);
        }
    }

    /** The verdict was permanent ({@code FAIL}, {@code DISABLE_TARGET}): stop at once, nothing ran out. */
    record FailNow() implements RetryStep {}

    /**
     * The outcome was retryable, but a limit says stop.
     *
     * @param refused the retry-after hint that decided it ({@code HINT_*} reasons), or the refused delay
     *     ({@link GiveUpReason#MAX_DURATION}); null for {@link GiveUpReason#MAX_ATTEMPTS}
     */
    record GiveUp(GiveUpReason reason, Duration refused) implements RetryStep {}

    /**
     * The step after attempt {@code attempt} ended with {@code verdict} (not a success).
     *
     * <p>In order: a permanent verdict fails now; the last allowed attempt gives up
     * ({@code MAX_ATTEMPTS}); the delay is the backoff, and a hint is a floor for it; a hint beyond
     * {@code maxRetryAfter} gives up ({@code HINT_EXCEEDS_MAX_RETRY_AFTER}) unless the limits clamp it;
     * a delay ending past {@code maxDuration} gives up ({@code HINT_EXCEEDS_DEADLINE} when the hint set
     * it, {@code MAX_DURATION} when the backoff did).
     *
     * @param attempt the attempt that just ended, 1 for the first
     * @param elapsedNanos time since the first attempt started
     * @param previousDelayNanos the delay before this attempt (decorrelated jitter grows from it); 0 if none
     */
    static RetryStep next(RetryLimits limits, int attempt, long elapsedNanos, Verdict verdict, long previousDelayNanos,
            RandomGenerator random) {
        if (!verdict.isRetryable()) {
            return Steps.FAIL_NOW;
        }
        if (attempt >= limits.maxAttempts()) {
            return Steps.MAX_ATTEMPTS;
        }
        long backoffNanos = limits.backoff().delayNanos(attempt, previousDelayNanos, random);
        long delayNanos = backoffNanos;
        Duration hint = verdict.hint().orElse(null);
        if (hint != null) {
            long hintNanos = Steps.saturatedNanos(hint);
            long capNanos = Steps.saturatedNanos(limits.maxRetryAfter());
            if (hintNanos > capNanos) {
                if (!limits.clampRetryAfter()) {
                    // Both limits refuse the hint: the deadline is the harder fact, so it is the reason.
                    boolean pastDeadline = limits.maxDuration() != null
                            && hintNanos > Steps.saturatedNanos(limits.maxDuration()) - elapsedNanos;
                    return new GiveUp(pastDeadline ? GiveUpReason.HINT_EXCEEDS_DEADLINE : GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER, hint);
                }
                hintNanos = capNanos;
            }
            delayNanos = Math.max(backoffNanos, hintNanos);
        }
        Duration maxDuration = limits.maxDuration();
        if (maxDuration != null && delayNanos > Steps.saturatedNanos(maxDuration) - elapsedNanos) {
            boolean hintDecided = hint != null && delayNanos > backoffNanos;
            return hintDecided ? new GiveUp(GiveUpReason.HINT_EXCEEDS_DEADLINE, hint)
                    : new GiveUp(GiveUpReason.MAX_DURATION, Duration.ofNanos(delayNanos));
        }
        return new Retry(delayNanos);
    }
}

/** The step's constants and arithmetic, kept out of the public interface. */
final class Steps {
    static final RetryStep FAIL_NOW = new RetryStep.FailNow();
    static final RetryStep MAX_ATTEMPTS = new RetryStep.GiveUp(GiveUpReason.MAX_ATTEMPTS, null);

    private Steps() {}

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
