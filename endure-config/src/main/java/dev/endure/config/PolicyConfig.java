package dev.endure.config;

import dev.endure.Classifier;
import dev.endure.retry.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * One named entry of the {@code policies} section: its retry policy, its classification, and the
 * names of the breaker and the budget it uses.
 *
 * <pre>{@code
 * PolicyConfig billing = config.policy("billing");
 * RetryPolicy<HttpResponse<String>> policy = billing.retryPolicy(HttpResponse::statusCode);
 * }</pre>
 */
public final class PolicyConfig {

    private final String name;
    private final RetryPolicy<Object> retryPolicy;
    private final ClassificationConfig classification;
    private final TargetDisablingConfig disableTarget;
    private final String breaker;
    private final String budget;
    private final Duration attemptTimeout;

    PolicyConfig(String name, RetryPolicy<Object> retryPolicy, ClassificationConfig classification,
            TargetDisablingConfig disableTarget, String breaker, String budget, Duration attemptTimeout) {
        this.name = name;
        this.retryPolicy = retryPolicy;
        this.classification = classification;
        this.disableTarget = disableTarget;
        this.breaker = breaker;
        this.budget = budget;
        this.attemptTimeout = attemptTimeout;
    }

    public String name() {
        return name;
    }

    /**
     * The retry policy with the exception rules of the classification section (results all succeed).
     * Typed for the caller: the exception rules never look at a result.
     */
    @SuppressWarnings("unchecked")
    public <T> RetryPolicy<T> retryPolicy() {
        return (RetryPolicy<T>) (RetryPolicy<?>) retryPolicy;
    }

    /** The retry policy with the exception and status rules; {@code statusOf} reads a result's status. */
    public <T> RetryPolicy<T> retryPolicy(ToIntFunction<? super T> statusOf) {
        return retryPolicy(classification.classifier(statusOf));
    }

    /** The retry policy's numbers with a classifier of the caller's own. */
    public <T> RetryPolicy<T> retryPolicy(Classifier<T> classifier) {
        Objects.requireNonNull(classifier, "classifier");
        return this.<T>retryPolicy().toBuilder().classifier(classifier).build();
    }

    public ClassificationConfig classification() {
        return classification;
    }

    /** The target-disabling rule, if the policy has one. */
    public Optional<TargetDisablingConfig> disableTarget() {
        return Optional.ofNullable(disableTarget);
    }

    /** The name of the breaker (in the {@code breakers} section) calls under this policy go through. */
    public Optional<String> breaker() {
        return Optional.ofNullable(breaker);
    }

    /** The name of the retry budget (in the {@code budgets} section) this policy's retries draw on. */
    public Optional<String> budget() {
        return Optional.ofNullable(budget);
    }

    /** The per-attempt timeout of the pipeline built from this policy, if any. */
    public Optional<Duration> attemptTimeout() {
        return Optional.ofNullable(attemptTimeout);
    }

    @Override
    public String toString() {
        return "PolicyConfig[" + name + ": " + retryPolicy + ", " + classification
                + (breaker == null ? "" : ", breaker " + breaker) + (budget == null ? "" : ", budget " + budget) + "]";
    }
}
