package dev.endure.delivery;

import java.time.Duration;

/**
 * Seed 003's failure-rate disable: an endpoint whose attempts in the window failed at or above the
 * threshold (100 % by default, over 24 h) is disabled, once it has at least {@code minAttempts} attempts
 * in all and {@code minAttemptsInWindow} in the window, so that one bad minute never disables a new endpoint.
 */
public record FailureRateRule(double threshold, Duration window, long minAttempts, long minAttemptsInWindow) {

    /** 100 % failures over 24 h, at least 5 attempts in all and 3 in the window. */
    public static final FailureRateRule SEED_003 = new FailureRateRule(1.0, Duration.ofHours(24), 5, 3);

    /** Never disables. */
    public static final FailureRateRule NEVER = new FailureRateRule(2.0, Duration.ofHours(24), Long.MAX_VALUE, Long.MAX_VALUE);

    public FailureRateRule {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("failure-rate threshold must be above 0 (was " + threshold + ")");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("failure-rate window must be positive (was " + window + ")");
        }
        if (minAttempts < 1 || minAttemptsInWindow < 1) {
            throw new IllegalArgumentException("failure-rate minimum attempts must be at least 1 (was " + minAttempts + " in all, "
                    + minAttemptsInWindow + " in the window)");
        }
    }

    public boolean trips(EndpointAttemptStats stats) {
        if (stats.totalAttempts() < minAttempts || stats.attemptsInWindow() < minAttemptsInWindow) {
            return false;
        }
        return (double) stats.failuresInWindow() / stats.attemptsInWindow() >= threshold;
    }

    /** The reason recorded on the endpoint. */
    public String describe(EndpointAttemptStats stats) {
        return String.format(java.util.Locale.ROOT, "failure rate %.0f%% over %s (%d of %d attempts failed; threshold %.0f%%)",
                100.0 * stats.failuresInWindow() / Math.max(1, stats.attemptsInWindow()), dev.endure.Durations.describe(window),
                stats.failuresInWindow(), stats.attemptsInWindow(), threshold * 100);
    }
}
