package dev.endure.config;

import dev.endure.Classifier;
import dev.endure.HttpStatusTable;
import dev.endure.Verdict;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The {@code classification} section of a policy: which failures to retry or fail fast on, by exception
 * type, and which result statuses mean retry, fail or disable the target. Statuses are plain numbers so
 * that any module can read them (the HTTP module reads them as status codes). A status named in no list
 * means what endure-core's {@link HttpStatusTable} says ({@link #statusTable()}): a 2xx or 3xx succeeds,
 * an unlisted 4xx or 5xx fails, and when {@code retryStatuses} is not given the table's defaults (408,
 * 429, 500, 502, 503, 504) are retried. An unknown error status never counts as a success.
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
     * The status table these lists make: core's defaults with the retry row replaced by
     * {@code retryStatuses} (when given), the listed fail statuses taken out of it, and the disable row
     * set to {@code disableStatuses}. Statuses below 400 in the lists are answered by the lists alone.
     */
    public HttpStatusTable statusTable() {
        Set<Integer> retry = new TreeSet<>(retryStatuses.isEmpty() ? HttpStatusTable.DEFAULT_RETRY_STATUSES : retryStatuses);
        retry.removeAll(failStatuses);
        retry.removeAll(disableStatuses);
        retry.removeIf(status -> status < 400);
        Set<Integer> disable = new TreeSet<>(disableStatuses);
        disable.removeIf(status -> status < 300);
        return HttpStatusTable.defaults().toBuilder().retryStatuses(retry).disableStatuses(disable).build();
    }

    /**
     * A classifier with the exception rules and the status rules, reading a result's status with
     * {@code statusOf}; a status in no list means what {@link #statusTable()} says. Allocation-free per
     * classification: the verdicts are made once, here.
     */
    public <T> Classifier<T> classifier(ToIntFunction<? super T> statusOf) {
        Objects.requireNonNull(statusOf, "statusOf");
        Verdict[] byStatus = new Verdict[MAX_STATUS + 1];
        HttpStatusTable table = statusTable();
        for (int status = 100; status <= 599; status++) {
            byStatus[status] = verdictForStatus(status, table);
            if (byStatus[status].kind() == Verdict.Kind.SUCCESS) {
                byStatus[status] = null; // no result rule: the classifier's default, a success
            }
        }
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

    /** The verdict for one status by these rules and, for a status in no list, by {@link #statusTable()}. */
    public Verdict verdictForStatus(int status) {
        return verdictForStatus(status, statusTable());
    }

    private Verdict verdictForStatus(int status, HttpStatusTable table) {
        if (retryStatuses.contains(status)) {
            return Verdict.retry("status " + status);
        }
        if (failStatuses.contains(status)) {
            return Verdict.fail("status " + status);
        }
        if (disableStatuses.contains(status)) {
            return Verdict.disableTarget("status " + status);
        }
        if (status < 100 || status > 599) {
            return Verdict.success();
        }
        return switch (table.verdict(status, null).kind()) {
            case RETRY, RETRY_AFTER -> Verdict.retry("status " + status);
            case FAIL -> Verdict.fail("status " + status);
            case DISABLE_TARGET -> Verdict.disableTarget("status " + status);
            case SUCCESS -> Verdict.success();
        };
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
