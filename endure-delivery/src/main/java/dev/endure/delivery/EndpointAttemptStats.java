package dev.endure.delivery;

import java.time.Instant;

/**
 * An endpoint's recorded attempts: all-time total, and the count and failures within a window
 * (what the failure-rate rule and the status page need), plus the latest error and next attempt.
 */
public record EndpointAttemptStats(String endpointId, long totalAttempts, long attemptsInWindow, long failuresInWindow,
        String lastError, Instant lastAttemptAt, Instant nextAttemptAt) {

    /** Successes over attempts in the window; 1.0 when nothing was attempted. */
    public double successRateInWindow() {
        return attemptsInWindow == 0 ? 1.0 : (double) (attemptsInWindow - failuresInWindow) / attemptsInWindow;
    }
}
