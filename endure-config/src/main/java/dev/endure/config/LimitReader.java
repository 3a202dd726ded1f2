package dev.endure.config;

import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import dev.endure.limit.ConcurrencyLimitPolicy;
import java.time.Duration;

/**
 * Reads one entry of {@code limits} into a {@link ConcurrencyLimitPolicy}: a fixed limit
 * ({@code maxConcurrent: 10}) or an adaptive one ({@code adaptive: {initialLimit: 8, maxLimit: 200}}), and
 * how long a caller may wait for a slot ({@code maxWait}, none by default). Core's rules validate the numbers.
 */
final class LimitReader {

    private final Problems problems;

    LimitReader(Problems problems) {
        this.problems = problems;
    }

    /** The limit policy, or null when it has errors (they are in {@link Problems}). */
    ConcurrencyLimitPolicy read(String name, Section limit) {
        int errorsBefore = problems.errors().size();
        boolean fixed = limit.has("maxConcurrent");
        boolean adaptive = limit.has("adaptive");
        if (fixed == adaptive) {
            problems.addWithoutValue(limit.path(), fixed
                    ? "sets both maxConcurrent (a fixed limit) and adaptive; keep one"
                    : "needs maxConcurrent (a fixed limit) or adaptive: {...} (a limit that follows the latency)", limit.location());
            return null;
        }
        ConcurrencyLimitPolicy.Builder builder;
        if (fixed) {
            Integer maxConcurrent = limit.integer("maxConcurrent");
            if (maxConcurrent == null || !limit.check("maxConcurrent", maxConcurrent >= 1, "must be at least 1")) {
                return null;
            }
            builder = ConcurrencyLimitPolicy.fixed(name, maxConcurrent);
        } else {
            builder = ConcurrencyLimitPolicy.adaptive(name);
            Section settings = limit.section("adaptive");
            if (settings != null) {
                readAdaptive(settings, builder);
                settings.rejectUnknownKeys();
            }
        }
        Duration maxWait = limit.duration("maxWait");
        if (maxWait != null) {
            builder.maxWait(maxWait);
        }
        limit.rejectUnknownKeys();
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException rejectedByCore) {
            problems.addWithoutValue(limit.path(), rejectedByCore.getMessage(), limit.location());
            return null;
        }
    }

    private static void readAdaptive(Section settings, ConcurrencyLimitPolicy.Builder builder) {
        Integer initial = settings.integer("initialLimit");
        if (initial != null) {
            builder.initialLimit(initial);
        }
        Integer min = settings.integer("minLimit");
        if (min != null) {
            builder.minLimit(min);
        }
        Integer max = settings.integer("maxLimit");
        if (max != null) {
            builder.maxLimit(max);
        }
        Double latencyTolerance = settings.number("latencyTolerance");
        if (latencyTolerance != null) {
            builder.latencyTolerance(latencyTolerance);
        }
        Double decreaseFactor = settings.number("decreaseFactor");
        if (decreaseFactor != null) {
            builder.decreaseFactor(decreaseFactor);
        }
        Double overloadTolerance = settings.number("overloadTolerance");
        if (overloadTolerance != null) {
            builder.overloadTolerance(overloadTolerance);
        }
        Integer samples = settings.integer("minWindowSamples");
        if (samples != null) {
            builder.minWindowSamples(samples);
        }
    }
}
