package dev.endure.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * Seed 003's failure-rate disable. An endpoint is disabled when all of these hold for the attempts
 * recorded against it:
 * <ol>
 *   <li>at least {@code minAttempts} attempts in all and {@code minAttemptsInWindow} within {@code window};
 *   <li>the failed share of the attempts within the window is at least {@code threshold} (100 % by default);
 *   <li>the failures span at least {@code minFailureSpan}: the oldest failure in the window is that much
 *       older than the latest attempt.
 * </ol>
 * The span is what keeps one bad minute from disabling a new endpoint: six messages whose first attempts
 * all fail while a receiver restarts meet the counts within a second, but not the span.
 */
public record FailureRateRule(double threshold, Duration window, long minAttempts, long minAttemptsInWindow,
        Duration minFailureSpan) {

    /** The default minimum span of failures: an endpoint must have been failing for an hour. */
    public static final Duration DEFAULT_MIN_FAILURE_SPAN = Duration.ofHours(1);

    /** 100 % failures over 24 h, at least 5 attempts in all and 3 in the window, failing for at least 1 h. */
    public static final FailureRateRule SEED_003 = new FailureRateRule(1.0, Duration.ofHours(24), 5, 3, DEFAULT_MIN_FAILURE_SPAN);

    /** Never disables. */
    public static final FailureRateRule NEVER = new FailureRateRule(2.0, Duration.ofHours(24), Long.MAX_VALUE, Long.MAX_VALUE,
            Duration.ofHours(24));

    public FailureRateRule {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("failure-rate threshold must be above 0 (was " + threshold + ")");
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("failure-rate window must be positive (was " + window + ")");
        }
        if (minAttempts < 1 || minAttemptsInWindow < 1) {
            throw new IllegalArgumentException("failure-rate minimum attempts must be at least 1 (was " + minAttempts + " in all, "
                    + minAttemptsInWindow + " in the window)");
        }
        if (minFailureSpan == null || minFailureSpan.isNegative() || minFailureSpan.compareTo(window) > 0) {
            throw new IllegalArgumentException("failure-rate minFailureSpan must be zero or positive and at most the window ("
                    + dev.endure.Durations.describe(window) + ") (was " + minFailureSpan + ")");
        }
    }

    /** As the canonical constructor with {@link #DEFAULT_MIN_FAILURE_SPAN} (or the window, if shorter). */
    public FailureRateRule(double threshold, Duration window, long minAttempts, long minAttemptsInWindow) {
        this(threshold, window, minAttempts, minAttemptsInWindow,
                window != null && window.compareTo(DEFAULT_MIN_FAILURE_SPAN) < 0 ? window : DEFAULT_MIN_FAILURE_SPAN);
    }

    /**
     * A rule from the four numbers of endure-config's {@code disableTarget} section (a failure-rate fraction,
     * the window, minimum attempts in all and in the window), with the default minimum span of failures.
     */
    public static FailureRateRule of(double failureRate, Duration window, long minAttempts, long minAttemptsInWindow) {
        return new FailureRateRule(failureRate, window, minAttempts, minAttemptsInWindow);
    }

    /** This rule with another minimum span of failures ({@code Duration.ZERO} for counts alone). */
    public FailureRateRule withMinFailureSpan(Duration span) {
        return new FailureRateRule(threshold, window, minAttempts, minAttemptsInWindow, span);
    }

    /**
     * Whether any attempt history could trip this rule. {@link #NEVER} cannot (a failed share never exceeds 100 %), so a
     * worker reads no endpoint statistics for it: that read counts the endpoint's attempts, a cost that grows with them.
     */
    public boolean canTrip() {
        return threshold <= 1.0 && minAttempts < Long.MAX_VALUE && minAttemptsInWindow < Long.MAX_VALUE;
    }

    public boolean trips(EndpointAttemptStats stats) {
        if (stats.totalAttempts() < minAttempts || stats.attemptsInWindow() < minAttemptsInWindow) {
            return false;
        }
        if ((double) stats.failuresInWindow() / stats.attemptsInWindow() < threshold) {
            return false;
        }
        return failureSpan(stats).compareTo(minFailureSpan) >= 0;
    }

    /** How long the failures in the window have been going on: from the oldest failure to the latest attempt. */
    static Duration failureSpan(EndpointAttemptStats stats) {
        Instant first = stats.firstFailureInWindowAt();
        Instant last = stats.lastAttemptAt();
        if (first == null || last == null || last.isBefore(first)) {
            return Duration.ZERO;
        }
        return Duration.between(first, last);
    }

    /** The reason recorded on the endpoint. */
    public String describe(EndpointAttemptStats stats) {
        return String.format(java.util.Locale.ROOT, "failure rate %.0f%% over %s (%d of %d attempts failed over %s; threshold %.0f%%)",
                100.0 * stats.failuresInWindow() / Math.max(1, stats.attemptsInWindow()), dev.endure.Durations.describe(window),
                stats.failuresInWindow(), stats.attemptsInWindow(), dev.endure.Durations.describe(failureSpan(stats)), threshold * 100);
    }
}
