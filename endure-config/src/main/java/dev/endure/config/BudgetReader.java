package dev.endure.config;

import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import java.time.Duration;
import java.util.Set;

/** Reads one entry of {@code budgets} into a {@link RetryBudgetPolicy}. */
final class BudgetReader {

    private final Problems problems;

    BudgetReader(Problems problems) {
        this.problems = problems;
    }

    /**
     * The budget policy, or null when it has errors (they are in {@link Problems}); its name goes into
     * {@code shared} when it says {@code shared: true}.
     */
    RetryBudgetPolicy read(String name, Section budget, Set<String> shared) {
        int errorsBefore = problems.errors().size();
        RetryBudgetPolicy.Builder builder = RetryBudgetPolicy.builder().name(name);
        Double ratio = budget.percentage("maxRetryRatio");
        if (ratio != null && budget.check("maxRetryRatio", ratio <= RetryBudgetPolicy.MAX_RATIO,
                "must be at most " + (int) (RetryBudgetPolicy.MAX_RATIO * 100) + "%")) {
            builder.maxRetryRatio(ratio);
        }
        Double perSecond = budget.number("minRetriesPerSecond");
        if (perSecond != null && budget.check("minRetriesPerSecond", perSecond >= 0, "must not be negative")) {
            builder.minRetriesPerSecond(perSecond);
        }
        Duration window = budget.duration("window");
        if (window != null && budget.check("window", window.compareTo(Duration.ofSeconds(1)) >= 0, "must be at least 1s")) {
            builder.window(window);
        }
        if (Boolean.TRUE.equals(budget.bool("shared"))) {
            shared.add(name);
        }
        budget.rejectUnknownKeys();
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        double effectiveRatio = ratio != null ? ratio : RetryBudgetPolicy.DEFAULT_MAX_RETRY_RATIO;
        double effectivePerSecond = perSecond != null ? perSecond : RetryBudgetPolicy.DEFAULT_MIN_RETRIES_PER_SECOND;
        Duration effectiveWindow = window != null ? window : RetryBudgetPolicy.DEFAULT_WINDOW;
        if (effectiveRatio == 0 && effectivePerSecond * effectiveWindow.toNanos() / 1e9 < 1) {
            problems.addWithoutValue(budget.path(), "never allows a retry: maxRetryRatio is 0% and minRetriesPerSecond ("
                    + effectivePerSecond + ") allows less than one retry per window (" + DurationText.format(effectiveWindow)
                    + "); to turn retries off, set maxAttempts: 1 on the policy instead", budget.location());
        }
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException rejectedByCore) {
            // e.g. a ratio of 0% with a floor under one retry per window: the budget could never allow one
            problems.addWithoutValue(budget.path(), rejectedByCore.getMessage(), budget.location());
            return null;
        }
    }
}
