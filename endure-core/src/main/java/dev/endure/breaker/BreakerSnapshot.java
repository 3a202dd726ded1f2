package dev.endure.breaker;

import java.time.Duration;

/**
 * A breaker's state and counters at one moment, for dashboards and metrics.
 *
 * @param state where the breaker stands (an OPEN whose time is up reads HALF_OPEN)
 * @param forced whether an operator forced the state
 * @param retryAfter time until an OPEN breaker lets a trial through; zero otherwise (and when forced)
 * @param openStep failed half-open trials since it last closed (the growth step of the open duration)
 * @param windowCalls calls in the sliding window (0 without one)
 * @param windowFailures failed calls in the sliding window
 * @param consecutiveFailures failures in a row while CLOSED
 * @param trialsInFlight trial calls running now
 * @param successes calls counted as successes since the breaker was built
 * @param failures calls counted as failures (slow ones included)
 * @param slowCalls successful calls slower than the slow-call threshold (also in {@code failures})
 * @param rejected calls rejected without being run
 */
public record BreakerSnapshot(String name, BreakerState state, boolean forced, Duration retryAfter, int openStep,
        int windowCalls, int windowFailures, int consecutiveFailures, int trialsInFlight, long successes, long failures,
        long slowCalls, long rejected) {

    /** Failures over calls in the window, 0 to 1; NaN when the window is empty or there is none. */
    public double failureRate() {
        return windowCalls == 0 ? Double.NaN : (double) windowFailures / windowCalls;
    }
}
