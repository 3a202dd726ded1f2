package dev.endure.delivery;

import java.time.Instant;

/**
 * An endpoint's recorded attempts: all-time total, and the count and failures within a window
 * (what the failure-rate rule and the status page need), plus the oldest failure in the window, the
 * latest attempt, its error and the next attempt.
 */
public record EndpointAttemptStats(String endpointId, long totalAttempts, long attemptsInWindow, long failuresInWindow,
        String lastError, Instant lastAttemptAt, Instant nextAttemptAt, Instant firstFailureInWindowAt) {

    /** Stats without the oldest failure in the window (no failure span known). */
    public EndpointAttemptStats(String endpointId, long totalAttempts, long attemptsInWindow, long failuresInWindow,
            String lastError, Instant lastAttemptAt, Instant nextAttemptAt) {
        this(endpointId, totalAttempts, attemptsInWindow, failuresInWindow, lastError, lastAttemptAt, nextAttemptAt, null);
    }

    /** Successes over attempts in the window; 1.0 when nothing was attempted. */
    public double successRateInWindow() {
        return attemptsInWindow == 0 ? 1.0 : (double) (attemptsInWindow - failuresInWindow) / attemptsInWindow;
    }
}
