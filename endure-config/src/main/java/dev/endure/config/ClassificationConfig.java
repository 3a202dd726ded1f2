package dev.endure.config;

import dev.endure.Classifier;
import dev.endure.Verdict;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The {@code classification} section of a policy: which failures to retry or fail fast on, by exception
 * type, and which result statuses mean retry, fail or disable the target. Statuses are plain numbers so
 * that any module can read them (the HTTP module reads them as status codes).
 *
 * <p>With no {@code retryOn} types every {@link Exception} is retried (the core default); once one is
 * named, only those are, and other failures fail fast. {@code failOn} always wins over {@code retryOn}.
 *
 * @param retryOn failure types to retry (a failure or any of its causes)
 * @param failOn failure types never to retry
 * @param retryStatuses result statuses to retry, e.g. 408, 429, 500, 502, 503, 504
 * @param failStatuses result statuses that fail at once
 * @param disableStatuses result statuses that disable the whole target, e.g. 404 and 410 for a webhook
 */
public record ClassificationConfig(List<Class<? extends Throwable>> retryOn, List<Class<? extends Throwable>> failOn,
        Set<Integer> retryStatuses, Set<Integer> failStatuses, Set<Integer> disableStatuses) {

    /** Statuses are three-digit codes; the lookup table covers them all. */
    public static final int MAX_STATUS = 999;

    /** Retry every exception, no status rules: what a policy without a classification section gets. */
    public static final ClassificationConfig DEFAULT = new ClassificationConfig(List.of(), List.of(), Set.of(), Set.of(), Set.of());

    public ClassificationConfig {
        retryOn = List.copyOf(retryOn);
        failOn = List.copyOf(failOn);
        retryStatuses = java.util.Collections.unmodifiableSet(new TreeSet<>(retryStatuses));
        failStatuses = java.util.Collections.unmodifiableSet(new TreeSet<>(failStatuses));
        disableStatuses = java.util.Collections.unmodifiableSet(new TreeSet<>(disableStatuses));
    }

    /** A classifier from the exception rules only; every result is a success. */
    public <T> Classifier<T> exceptionClassifier() {
        return exceptionRules(Classifier.<T>builder()).build();
    }

    /**
     * The exception rules as a builder, for adding result rules of one's own before {@code build()}.
     */
    public <T> Classifier.Builder<T> classifierBuilder() {
        return exceptionRules(Classifier.<T>builder());
    }

    /**
     * A classifier with the exception rules and the status rules, reading a result's status with
     * {@code statusOf}; a status in no list is a success. Allocation-free per classification: the
     * verdicts are made once, here.
     */
    public <T> Classifier<T> classifier(ToIntFunction<? super T> statusOf) {
        Objects.requireNonNull(statusOf, "statusOf");
        Verdict[] byStatus = new Verdict[MAX_STATUS + 1];
        retryStatuses.forEach(status -> byStatus[status] = Verdict.retry("status " + status));
        failStatuses.forEach(status -> byStatus[status] = Verdict.fail("status " + status));
        disableStatuses.forEach(status -> byStatus[status] = Verdict.disableTarget("status " + status));
        return this.<T>classifierBuilder()
                .onResult(result -> {
                    if (result == null) {
                        return null;
                    }
                    int status = statusOf.applyAsInt(result);
                    return status >= 0 && status <= MAX_STATUS ? byStatus[status] : null;
                })
                .build();
    }

    /** The verdict for one status by these rules: retry, fail, disable target, or success. */
    public Verdict verdictForStatus(int status) {
        if (retryStatuses.contains(status)) {
            return Verdict.retry("status " + status);
        }
        if (failStatuses.contains(status)) {
            return Verdict.fail("status " + status);
        }
        if (disableStatuses.contains(status)) {
            return Verdict.disableTarget("status " + status);
        }
        return Verdict.success();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T> Classifier.Builder<T> exceptionRules(Classifier.Builder<T> builder) {
        if (!failOn.isEmpty()) {
            builder.failOn(failOn.toArray(new Class[0]));
        }
        if (!retryOn.isEmpty()) {
            builder.retryOn(retryOn.toArray(new Class[0]));
        }
        return builder;
    }
}
