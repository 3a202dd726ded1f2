package dev.endure.config;

import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.breaker.SlidingWindow;
import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import java.time.Duration;

/**
 * Reads one entry of {@code breakers} into a {@link CircuitBreakerPolicy}. Keys are the builder's
 * names; a breaker counts failures by the classifier of the policy whose calls go through it.
 */
final class BreakerReader {

    private final Problems problems;

    BreakerReader(Problems problems) {
        this.problems = problems;
    }

    /** The breaker policy, or null when it has errors (they are in {@link Problems}). */
    CircuitBreakerPolicy read(String name, Section breaker) {
        int errorsBefore = problems.errors().size();
        CircuitBreakerPolicy.Builder builder = CircuitBreakerPolicy.builder().name(name);

        Integer consecutiveFailures = breaker.integer("consecutiveFailures");
        if (consecutiveFailures != null
                && breaker.check("consecutiveFailures", consecutiveFailures >= 0, "must not be negative (0 turns the rule off)")) {
            builder.consecutiveFailures(consecutiveFailures);
        }
        SlidingWindow window = readWindow(breaker);
        if (window != null) {
            builder.slidingWindow(window);
        }
        boolean hasWindow = breaker.has("slidingWindow");
        if (consecutiveFailures != null && consecutiveFailures == 0 && !hasWindow) {
            breaker.check("consecutiveFailures", false, "turns the only opening rule off; the breaker could never open."
                    + " Set it above 0 or add a slidingWindow");
        }
        Double threshold = breaker.percentage("failureRateThreshold");
        if (threshold != null && onlyWithWindow(breaker, "failureRateThreshold", hasWindow)
                && breaker.check("failureRateThreshold", threshold > 0 && threshold <= 1, "must be above 0% and at most 100%")) {
            builder.failureRateThreshold(threshold);
        }
        Integer minimumCalls = breaker.integer("minimumCalls");
        if (minimumCalls != null && onlyWithWindow(breaker, "minimumCalls", hasWindow)
                && breaker.check("minimumCalls", minimumCalls >= 1, "must be at least 1")) {
            if (window != null && window.kind() == SlidingWindow.Kind.COUNT_BASED) {
                breaker.check("minimumCalls", minimumCalls <= window.calls(), "must not exceed slidingWindow.calls ("
                        + window.calls() + "), or the failure rate could never open the breaker");
            }
            builder.minimumCalls(minimumCalls);
        }
        Duration slowCall = breaker.duration("slowCallThreshold");
        if (slowCall != null && breaker.check("slowCallThreshold", !slowCall.isZero(), "must be longer than 0")) {
            builder.slowCallThreshold(slowCall);
        }
        Duration openDuration = breaker.duration("openDuration");
        if (openDuration != null && breaker.check("openDuration", !openDuration.isZero(), "must be longer than 0")) {
            builder.openDuration(openDuration);
        } else {
            openDuration = null;
        }
        Double multiplier = breaker.number("openDurationMultiplier");
        if (multiplier != null && breaker.check("openDurationMultiplier", multiplier >= 1, "must be at least 1 (1 keeps the open duration fixed)")) {
            builder.openDurationMultiplier(multiplier);
        }
        Duration maxOpen = breaker.duration("maxOpenDuration");
        if (maxOpen != null) {
            Duration first = openDuration != null ? openDuration : CircuitBreakerPolicy.DEFAULT_OPEN_DURATION;
            if (breaker.check("maxOpenDuration", maxOpen.compareTo(first) >= 0, "must not be less than openDuration ("
                    + DurationText.format(first) + (openDuration == null ? ", the default" : "") + ")")) {
                builder.maxOpenDuration(maxOpen);
            }
        } else if (openDuration != null && openDuration.compareTo(CircuitBreakerPolicy.DEFAULT_MAX_OPEN_DURATION) > 0) {
            breaker.check("openDuration", false, "exceeds the default maxOpenDuration ("
                    + DurationText.format(CircuitBreakerPolicy.DEFAULT_MAX_OPEN_DURATION) + "); set maxOpenDuration too");
        }
        Integer trials = breaker.integer("halfOpenMaxTrials");
        if (trials != null && breaker.check("halfOpenMaxTrials", trials >= 1, "must be at least 1")) {
            builder.halfOpenMaxTrials(trials);
        }
        Integer successes = breaker.integer("halfOpenSuccesses");
        if (successes != null && breaker.check("halfOpenSuccesses", successes >= 1, "must be at least 1")) {
            builder.halfOpenSuccesses(successes);
        }
        breaker.rejectUnknownKeys();
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException rejectedByCore) {
            problems.addWithoutValue(breaker.path(), rejectedByCore.getMessage(), breaker.location());
            return null;
        }
    }

    /** A rate setting without a window would be silently ignored; say so instead. */
    private static boolean onlyWithWindow(Section breaker, String key, boolean hasWindow) {
        return breaker.check(key, hasWindow, "only applies with a slidingWindow; add one or remove " + key);
    }

    /** {@code slidingWindow: {calls: 100}} or {@code slidingWindow: {length: 60s}}. */
    private SlidingWindow readWindow(Section breaker) {
        Section window = breaker.section("slidingWindow");
        if (window == null) {
            return null;
        }
        Integer calls = window.integer("calls");
        Duration length = window.duration("length");
        boolean hasCalls = window.has("calls");
        boolean hasLength = window.has("length");
        window.rejectUnknownKeys();
        if (hasCalls == hasLength) {
            problems.addWithoutValue(window.path(), hasCalls
                    ? "gives both calls and length; a window is either the last N calls or the last period of time"
                    : "needs calls (the last N calls) or length (the last period of time, e.g. 60s)", window.location());
            return null;
        }
        if (calls != null && window.check("calls", calls >= 1 && calls <= SlidingWindow.MAX_CALLS,
                "must be between 1 and " + SlidingWindow.MAX_CALLS)) {
            return SlidingWindow.countBased(calls);
        }
        if (length != null && window.check("length", length.toMillis() >= SlidingWindow.TIME_BUCKETS,
                "must be at least " + SlidingWindow.TIME_BUCKETS + "ms")) {
            return SlidingWindow.timeBased(length);
        }
        return null;
    }
}
