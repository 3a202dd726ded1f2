package dev.endure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Turns one outcome of a call, a result or a failure, into a {@link Verdict}. Pure: no time, no I/O.
 *
 * <pre>{@code
 * Classifier<HttpResponse<String>> classifier = Classifier.<HttpResponse<String>>builder()
 *     .retryOn(IOException.class)
 *     .retryOnResult(response -> response.statusCode() >= 500)
 *     .build();
 * }</pre>
 *
 * @param <T> the result type of the classified call
 */
@FunctionalInterface
public interface Classifier<T> {

    /**
     * Classifies one outcome.
     *
     * @param result the call's result; meaningful only when {@code failure} is null
     * @param failure what the call threw, or null if it returned
     */
    Verdict classify(T result, Throwable failure);

    /**
     * True only if {@link #classify} answers {@link Verdict#success()} for every result (it judges only
     * failures). Executors then skip classifying results on their success path. The default, false, is
     * always safe.
     */
    default boolean acceptsEveryResult() {
        return false;
    }

    /**
     * The default: every result is a success; every {@link Exception} is retried (with its
     * {@link RetryAfterHint} as a floor when it carries one); an {@link Error} and an
     * {@link InterruptedException} are never retried.
     */
    static <T> Classifier<T> retryAllExceptions() {
        return builder().<T>typed().build();
    }

    /** Starts a rule-based classifier. */
    static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Rules for a {@link Classifier}, checked in a fixed order. For a failure: fail rules first, then
     * custom {@link #onFailure} functions, then retry rules. Once any retry rule is given, failures no
     * rule matches are permanent (fail fast); with none, every {@code Exception} is retried. Errors and
     * {@link InterruptedException} are retried only when a retry rule names them. For a result:
     * {@link #onResult} functions, then {@link #retryOnResult} predicates, else success. Type rules
     * match the failure or any of its causes.
     */
    final class Builder<T> {
        private final List<Function<? super Throwable, Verdict>> failRules = new ArrayList<>();
        private final List<Function<? super Throwable, Verdict>> failureFunctions = new ArrayList<>();
        private final List<Function<? super Throwable, Verdict>> retryRules = new ArrayList<>();
        private final List<Function<? super T, Verdict>> resultFunctions = new ArrayList<>();
        private final List<Predicate<? super T>> resultRetries = new ArrayList<>();

        private Builder() {}

        @SuppressWarnings("unchecked")
        <R> Builder<R> typed() {
            return (Builder<R>) this;
        }

        /** Retries failures of these types (or caused by them). */
        @SafeVarargs
        public final Builder<T> retryOn(Class<? extends Throwable>... types) {
            for (Class<? extends Throwable> type : requireTypes(types)) {
                retryRules.add(failure -> causeOfType(failure, type) != null ? retryVerdict(failure) : null);
            }
            return this;
        }

        /** Retries failures matching {@code predicate}. */
        public Builder<T> retryIf(Predicate<? super Throwable> predicate) {
            Objects.requireNonNull(predicate, "predicate");
            retryRules.add(failure -> predicate.test(failure) ? retryVerdict(failure) : null);
            return this;
        }

        /** Fails fast on failures of these types (or caused by them), even if a retry rule matches. */
        @SafeVarargs
        public final Builder<T> failOn(Class<? extends Throwable>... types) {
            for (Class<? extends Throwable> type : requireTypes(types)) {
                failRules.add(failure -> causeOfType(failure, type) != null ? Verdict.fail() : null);
            }
            return this;
        }

        /** Fails fast on failures matching {@code predicate}. */
        public Builder<T> failIf(Predicate<? super Throwable> predicate) {
            Objects.requireNonNull(predicate, "predicate");
            failRules.add(failure -> predicate.test(failure) ? Verdict.fail() : null);
            return this;
        }

        /** Full control over failures: return a verdict, or null for "no opinion, ask the next rule". */
        public Builder<T> onFailure(Function<? super Throwable, Verdict> function) {
            failureFunctions.add(Objects.requireNonNull(function, "function"));
            return this;
        }

        /** Retries results matching {@code predicate}, e.g. an HTTP status of 503. */
        public Builder<T> retryOnResult(Predicate<? super T> predicate) {
            resultRetries.add(Objects.requireNonNull(predicate, "predicate"));
            return this;
        }

        /** Full control over results: return a verdict, or null for "no opinion". */
        public Builder<T> onResult(Function<? super T, Verdict> function) {
            resultFunctions.add(Objects.requireNonNull(function, "function"));
            return this;
        }

        /** An immutable classifier with these rules. */
        public Classifier<T> build() {
            return new RuleClassifier<>(this);
        }

        private static List<Class<? extends Throwable>> requireTypes(Class<? extends Throwable>[] types) {
            Objects.requireNonNull(types, "types");
            if (types.length == 0) {
                throw new IllegalArgumentException("name at least one exception type");
            }
            for (Class<? extends Throwable> type : types) {
                Objects.requireNonNull(type, "exception type");
            }
            return List.of(types);
        }
    }

    /** The first throwable in {@code failure}'s cause chain that is a {@code type}, or null. */
    static <X> X causeOfType(Throwable failure, Class<X> type) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 64; depth++) {
            if (type.isInstance(current)) {
                return type.cast(current);
            }
            if (current.getCause() == current) {
                break;
            }
            current = current.getCause();
        }
        return null;
    }

    private static Verdict retryVerdict(Throwable failure) {
        RetryAfterHint hinted = causeOfType(failure, RetryAfterHint.class);
        if (hinted != null) {
            Optional<Duration> hint = hinted.retryAfter();
            if (hint.isPresent() && !hint.get().isNegative()) {
                return Verdict.retryAfter(hint.get());
            }
        }
        return Verdict.retry();
    }

    /** The immutable product of a {@link Builder}. */
    final class RuleClassifier<T> implements Classifier<T> {
        private final List<Function<? super Throwable, Verdict>> failureRules;
        private final boolean hasRetryRules;
        private final List<Function<? super T, Verdict>> resultFunctions;
        private final List<Predicate<? super T>> resultRetries;

        private RuleClassifier(Builder<T> builder) {
            List<Function<? super Throwable, Verdict>> rules = new ArrayList<>(builder.failRules);
            rules.addAll(builder.failureFunctions);
            rules.addAll(builder.retryRules);
            this.failureRules = List.copyOf(rules);
            this.hasRetryRules = !builder.retryRules.isEmpty();
            this.resultFunctions = List.copyOf(builder.resultFunctions);
            this.resultRetries = List.copyOf(builder.resultRetries);
        }

        /** True when no rule looks at results: every result is a success. */
        @Override
        public boolean acceptsEveryResult() {
            return resultFunctions.isEmpty() && resultRetries.isEmpty();
        }

        @Override
        public Verdict classify(T result, Throwable failure) {
            if (failure == null) {
                for (int i = 0; i < resultFunctions.size(); i++) {
                    Verdict verdict = resultFunctions.get(i).apply(result);
                    if (verdict != null) {
                        return verdict;
                    }
                }
                for (int i = 0; i < resultRetries.size(); i++) {
                    if (resultRetries.get(i).test(result)) {
                        return Verdict.retry();
                    }
                }
                return Verdict.success();
            }
            for (int i = 0; i < failureRules.size(); i++) {
                Verdict verdict = failureRules.get(i).apply(failure);
                if (verdict != null) {
                    return verdict;
                }
            }
            if (hasRetryRules || failure instanceof Error || failure instanceof InterruptedException) {
                return Verdict.fail();
            }
            return retryVerdict(failure);
        }
    }
}
