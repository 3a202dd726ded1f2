package dev.endure.config;

import dev.endure.config.internal.Node;
import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import dev.endure.config.internal.Suggestions;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads one entry of {@code policies}: retry, backoff, classification, target disabling, references. */
final class PolicyReader {

    private static final double DEFAULT_MULTIPLIER = 2.0;
    private static final List<String> JITTER_WORDS = List.of("none", "full", "equal", "decorrelated");
    /** Packages tried when a class name has no package, to suggest the full name. */
    private static final List<String> COMMON_PACKAGES = List.of(
            "java.io.", "java.net.", "java.net.http.", "java.util.concurrent.", "java.sql.", "java.lang.", "java.nio.channels.");

    private final Problems problems;
    private final ClassLoader classLoader;
    private final Set<String> breakerNames;
    private final Set<String> budgetNames;

    PolicyReader(Problems problems, ClassLoader classLoader, Set<String> breakerNames, Set<String> budgetNames) {
        this.problems = problems;
        this.classLoader = classLoader;
        this.breakerNames = breakerNames;
        this.budgetNames = budgetNames;
    }

    /** The policy, or null when it has errors (they are in {@link Problems}). */
    PolicyConfig read(String name, Section policy) {
        int errorsBefore = problems.errors().size();
        Section retry = policy.section("retry");
        RetryPolicy.Builder<Object> builder = RetryPolicy.builder().name(name);
        if (retry != null) {
            readRetry(retry, builder);
            retry.rejectUnknownKeys();
        }
        Section classificationSection = policy.section("classification");
        ClassificationConfig classification = ClassificationConfig.DEFAULT;
        if (classificationSection != null) {
            classification = readClassification(classificationSection);
            classificationSection.rejectUnknownKeys();
        }
        Section disableSection = policy.section("disableTarget");
        TargetDisablingConfig disableTarget = null;
        if (disableSection != null) {
            disableTarget = readDisableTarget(disableSection);
            disableSection.rejectUnknownKeys();
        }
        String breaker = reference(policy, "breaker", "breakers", breakerNames);
        String budget = reference(policy, "budget", "budgets", budgetNames);
        Duration attemptTimeout = policy.duration("attemptTimeout");
        if (attemptTimeout != null) {
            policy.check("attemptTimeout", !attemptTimeout.isZero(), "must be longer than 0");
        }
        policy.rejectUnknownKeys();
        if (problems.errors().size() > errorsBefore) {
            return null;
        }
        RetryPolicy<Object> retryPolicy = build(builder, policy.pathOf("retry"), policy.node("retry"));
        if (retryPolicy == null) {
            return null;
        }
        return new PolicyConfig(name, retryPolicy, classification, disableTarget, breaker, budget, attemptTimeout);
    }

    private void readRetry(Section retry, RetryPolicy.Builder<Object> builder) {
        Integer maxAttempts = retry.integer("maxAttempts");
        if (maxAttempts != null && retry.check("maxAttempts", maxAttempts >= 1, "must be at least 1")) {
            builder.maxAttempts(maxAttempts);
        }
        Duration maxDuration = retry.duration("maxDuration");
        if (maxDuration != null && retry.check("maxDuration", !maxDuration.isZero(), "must be longer than 0")) {
            builder.maxDuration(maxDuration);
        } else {
            maxDuration = null;
        }
        Duration maxRetryAfter = retry.duration("maxRetryAfter");
        if (maxRetryAfter != null) {
            builder.maxRetryAfter(maxRetryAfter);
        }
        if (Boolean.TRUE.equals(retry.bool("clampRetryAfter"))) {
            builder.clampRetryAfter(); // opt-in: a hint beyond maxRetryAfter is cut to it (retries earlier than asked)
        }
        Integer maxSuppressed = retry.integer("maxSuppressed");
        if (maxSuppressed != null && retry.check("maxSuppressed", maxSuppressed >= 0, "must not be negative")) {
            builder.maxSuppressed(maxSuppressed);
        }
        Section backoffSection = retry.section("backoff");
        if (backoffSection != null) {
            Backoff backoff = readBackoff(backoffSection, maxDuration);
            backoffSection.rejectUnknownKeys();
            if (backoff != null) {
                builder.backoff(backoff);
            }
        }
    }

    /**
     * {@code initial} (+ {@code multiplier}) for exponential or {@code delay} for fixed; then
     * {@code cap} (the largest delay), {@code jitter}, {@code floor} (the smallest delay, after jitter).
     */
    private Backoff readBackoff(Section backoff, Duration maxDuration) {
        int errorsBefore = problems.errors().size();
        Duration initial = backoff.duration("initial");
        Duration delay = backoff.duration("delay");
        Double multiplier = backoff.number("multiplier");
        Duration cap = backoff.duration("cap");
        Duration floor = backoff.duration("floor");
        Jitter jitter = readJitter(backoff);

        boolean hasInitial = backoff.has("initial");
        boolean hasDelay = backoff.has("delay");
        if (hasInitial && hasDelay) {
            backoff.check("delay", false, "cannot be combined with initial: give delay for a fixed backoff, "
                    + "or initial (and multiplier) for an exponential one");
        } else if (!hasInitial && !hasDelay) {
            problems.addWithoutValue(backoff.path(), "needs initial (exponential, with multiplier) or delay (fixed)", backoff.location());
        }
        if (hasDelay && backoff.has("multiplier")) {
            backoff.check("multiplier", false, "only applies to an exponential backoff (initial), not to a fixed delay");
        } else if (multiplier != null) {
            backoff.check("multiplier", multiplier >= 1.0, "must be at least 1");
        }
        Duration first = hasInitial ? initial : delay;
        // Seed 003's cross-field rules: the interval must not start above its own cap, and the floor
        // applied after jitter must not sit above the cap either.
        if (first != null && cap != null) {
            backoff.check("cap", cap.compareTo(first) >= 0,
                    "must not be less than " + (hasInitial ? "initial" : "delay") + " (" + DurationText.format(first) + ")");
        }
        if (floor != null && cap != null) {
            backoff.check("floor", floor.compareTo(cap) <= 0, "must not exceed cap (" + DurationText.format(cap) + ")");
        }
        if (problems.errors().size() > errorsBefore || first == null || jitter == null) {
            return null;
        }
        if (maxDuration != null) {
            Duration shortestFirstRetry = shortestFirstDelay(first, jitter, floor);
            if (shortestFirstRetry.compareTo(maxDuration) >= 0) {
                problems.addWithoutValue(backoff.path(), "no retry could ever start: the first delay is at least "
                        + DurationText.format(shortestFirstRetry) + ", not less than maxDuration (" + DurationText.format(maxDuration) + ")",
                        backoff.location());
                return null;
            }
        }
        try {
            Backoff result = hasInitial
                    ? Backoff.exponential(first, multiplier == null ? DEFAULT_MULTIPLIER : multiplier)
                    : Backoff.fixed(first);
            if (cap != null) {
                result = result.withCap(cap);
            }
            result = result.withJitter(jitter);
            if (floor != null) {
                result = result.withFloor(floor);
            }
            return result;
        } catch (IllegalArgumentException rejectedByCore) {
            // A rule the checks above missed: still report it at this section's path.
            problems.addWithoutValue(backoff.path(), rejectedByCore.getMessage(), backoff.location());
            return null;
        }
    }

    private static Duration shortestFirstDelay(Duration first, Jitter jitter, Duration floor) {
        Duration shortest = switch (jitter.kind()) {
            case NONE, DECORRELATED -> first;
            case PROPORTIONAL -> Duration.ofNanos((long) (first.toNanos() * (1 - jitter.factor())));
            case FULL -> Duration.ZERO;
            case EQUAL -> first.dividedBy(2);
        };
        return floor != null && floor.compareTo(shortest) > 0 ? floor : shortest;
    }

    /** {@code none}, {@code full}, {@code equal}, {@code decorrelated}, or {@code 25%} (±25 %). Default none. */
    private Jitter readJitter(Section backoff) {
        Node node = backoff.node("jitter");
        if (node == null) {
            return Jitter.none();
        }
        String rule = "must be none, full, equal, decorrelated or a percentage such as 25% (meaning ±25 %)";
        if (!(node instanceof Node.ScalarNode scalar) || scalar.kind() != Node.ScalarNode.Kind.STRING) {
            backoff.check("jitter", false, rule);
            return null;
        }
        String text = ((String) scalar.value()).strip();
        switch (text) {
            case "none":
                return Jitter.none();
            case "full":
                return Jitter.full();
            case "equal":
                return Jitter.equal();
            case "decorrelated":
                return Jitter.decorrelated();
            default:
                Double fraction = Section.parsePercentage(text);
                if (fraction == null) {
                    backoff.check("jitter", false, rule + Suggestions.didYouMean(text, JITTER_WORDS));
                    return null;
                }
                if (!backoff.check("jitter", fraction <= 1.0, "must be at most 100%")) {
                    return null;
                }
                return Jitter.proportional(fraction);
        }
    }

    private ClassificationConfig readClassification(Section section) {
        List<Class<? extends Throwable>> retryOn = exceptionTypes(section, "retryOn");
        List<Class<? extends Throwable>> failOn = exceptionTypes(section, "failOn");
        for (Class<? extends Throwable> type : failOn) {
            if (retryOn.contains(type)) {
                section.check("failOn", false, "names " + type.getName() + ", which retryOn names too; keep it in one list");
            }
        }
        Map<Integer, String> seen = new HashMap<>();
        Set<Integer> retryStatuses = statuses(section, "retryStatuses", seen);
        Set<Integer> failStatuses = statuses(section, "failStatuses", seen);
        Set<Integer> disableStatuses = statuses(section, "disableStatuses", seen);
        return new ClassificationConfig(retryOn, failOn, retryStatuses, failStatuses, disableStatuses);
    }

    private List<Class<? extends Throwable>> exceptionTypes(Section section, String key) {
        List<Class<? extends Throwable>> types = new ArrayList<>();
        for (Section.Item<String> item : section.strings(key)) {
            String className = item.value().strip();
            Class<?> type;
            try {
                type = Class.forName(className, false, classLoader);
            } catch (ClassNotFoundException | LinkageError missing) {
                problems.add(item.path(), item.node(), "no such class on the classpath" + fullNameHint(className));
                continue;
            }
            if (!Throwable.class.isAssignableFrom(type)) {
                problems.add(item.path(), item.node(), "is not an exception type");
                continue;
            }
            @SuppressWarnings("unchecked")
            Class<? extends Throwable> throwable = (Class<? extends Throwable>) type;
            if (types.contains(throwable)) {
                problems.add(item.path(), item.node(), "is listed twice");
                continue;
            }
            types.add(throwable);
        }
        return types;
    }

    private String fullNameHint(String className) {
        if (className.contains(".")) {
            return "";
        }
        for (String prefix : COMMON_PACKAGES) {
            try {
                Class<?> found = Class.forName(prefix + className, false, ClassLoader.getPlatformClassLoader());
                if (Throwable.class.isAssignableFrom(found)) {
                    return "; write the full name, e.g. " + found.getName();
                }
            } catch (ClassNotFoundException | LinkageError notThere) {
                // try the next package
            }
        }
        return "; write the fully qualified class name, e.g. java.io.IOException";
    }

    /** A list of statuses; each status may appear in only one of the three lists. */
    private Set<Integer> statuses(Section section, String key, Map<Integer, String> seen) {
        Set<Integer> statuses = new LinkedHashSet<>();
        for (Section.Item<Integer> item : section.integers(key)) {
            int status = item.value();
            if (status < 100 || status > 599) {
                problems.add(item.path(), item.node(), "must be a status between 100 and 599");
                continue;
            }
            String earlier = seen.putIfAbsent(status, key);
            if (earlier != null) {
                problems.add(item.path(), item.node(), earlier.equals(key) ? "is listed twice" : "is already in " + earlier);
                continue;
            }
            statuses.add(status);
        }
        return statuses;
    }

    private TargetDisablingConfig readDisableTarget(Section section) {
        section.require("failureRate");
        section.require("window");
        Double failureRate = section.percentage("failureRate");
        if (failureRate != null) {
            section.check("failureRate", failureRate > 0 && failureRate <= 1, "must be above 0% and at most 100%");
        }
        Duration window = section.duration("window");
        if (window != null) {
            section.check("window", !window.isZero(), "must be longer than 0");
        }
        Integer minAttempts = section.integer("minAttempts");
        if (minAttempts != null) {
            section.check("minAttempts", minAttempts >= 1, "must be at least 1");
        }
        Integer minAttemptsInWindow = section.integer("minAttemptsInWindow");
        if (minAttemptsInWindow != null && section.check("minAttemptsInWindow", minAttemptsInWindow >= 1, "must be at least 1")
                && minAttempts != null && minAttempts >= 1) {
            section.check("minAttemptsInWindow", minAttemptsInWindow <= minAttempts,
                    "must not exceed minAttempts (" + minAttempts + ")");
        }
        if (failureRate == null || window == null) {
            return null;
        }
        return new TargetDisablingConfig(failureRate, window, minAttempts == null ? 1 : minAttempts,
                minAttemptsInWindow == null ? 1 : minAttemptsInWindow);
    }

    private String reference(Section policy, String key, String sectionName, Set<String> defined) {
        String name = policy.string(key);
        if (name == null) {
            return null;
        }
        if (!defined.contains(name)) {
            String hint = Suggestions.didYouMean(name, defined);
            policy.check(key, false, "names no entry of " + sectionName
                    + (hint.isEmpty() ? (defined.isEmpty() ? " (it has none)" : "; defined: " + String.join(", ", defined)) : hint));
            return null;
        }
        return name;
    }

    private RetryPolicy<Object> build(RetryPolicy.Builder<Object> builder, String path, Node at) {
        try {
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException rejectedByCore) {
            problems.addWithoutValue(path, rejectedByCore.getMessage(), at == null ? Node.Location.UNKNOWN : at.location());
            return null;
        }
    }
}
