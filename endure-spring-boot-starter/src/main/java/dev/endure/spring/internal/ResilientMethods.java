package dev.endure.spring.internal;

import dev.endure.config.EndureConfig;
import dev.endure.config.PolicyConfig;
import dev.endure.pipeline.Pipeline;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.spring.EndureConfigurationException;
import dev.endure.spring.annotation.CircuitBreaker;
import dev.endure.spring.annotation.ConcurrencyLimit;
import dev.endure.spring.annotation.Fallback;
import dev.endure.spring.annotation.Retry;
import dev.endure.spring.annotation.RetryBudget;
import dev.endure.spring.annotation.TransactionRetry;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;

/**
 * Reads the annotations of a bean method into the {@link Pipeline} it runs through, once per method, with
 * every mistake (an unknown policy name, a breaker that contradicts the policy's, a fallback with the wrong
 * signature) reported as an {@link EndureConfigurationException} when the bean is created.
 */
public final class ResilientMethods {

    /** What a method runs through: its pipeline, whether it returns a stage, its fallback if any. */
    record Plan(Pipeline<Object> pipeline, boolean async, FallbackMethod fallback) {}

    private static final java.util.Set<Class<? extends Annotation>> ANNOTATIONS =
            java.util.Set.of(Retry.class, CircuitBreaker.class, RetryBudget.class, ConcurrencyLimit.class, Fallback.class);

    private final ObjectProvider<EndureConfig> config;
    private final ObjectProvider<ResilienceRegistry> registry;
    private final Map<Method, Plan> plans = new ConcurrentHashMap<>();

    public ResilientMethods(ObjectProvider<EndureConfig> config, ObjectProvider<ResilienceRegistry> registry) {
        this.config = config;
        this.registry = registry;
    }

    /** Whether {@code method} (as {@code targetClass} declares it) carries a pipeline annotation. */
    public static boolean isResilient(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        return find(specific, targetClass, Retry.class) != null || find(specific, targetClass, CircuitBreaker.class) != null
                || find(specific, targetClass, RetryBudget.class) != null || find(specific, targetClass, ConcurrencyLimit.class) != null;
    }

    /** Checks every annotated method of a bean class now, so a mistake fails startup. */
    public void validate(Class<?> beanClass) {
        if (!AnnotationUtils.isCandidateClass(beanClass, ANNOTATIONS)) {
            return;
        }
        for (Method method : beanClass.getMethods()) {
            if (!Modifier.isStatic(method.getModifiers()) && isResilient(method, beanClass)) {
                plan(method, beanClass);
            } else if (AnnotatedElementUtils.hasAnnotation(method, Fallback.class)) {
                throw new EndureConfigurationException("@Fallback on " + Describe.method(method)
                        + " has nothing to fall back from: add @Retry or @CircuitBreaker");
            }
        }
    }

    Plan plan(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        return plans.computeIfAbsent(specific, key -> resolve(key, targetClass));
    }

    private Plan resolve(Method method, Class<?> targetClass) {
        Retry retry = find(method, targetClass, Retry.class);
        CircuitBreaker breaker = find(method, targetClass, CircuitBreaker.class);
        RetryBudget budget = find(method, targetClass, RetryBudget.class);
        ConcurrencyLimit limit = find(method, targetClass, ConcurrencyLimit.class);
        String where = Describe.method(method);
        if (AnnotatedElementUtils.hasAnnotation(method, TransactionRetry.class)) {
            throw new EndureConfigurationException("@TransactionRetry and @Retry/@CircuitBreaker/@RetryBudget on " + where
                    + ": a method takes one or the other (transaction retry has its own SQL classification)");
        }
        Class<?> returns = method.getReturnType();
        boolean async = CompletionStage.class.isAssignableFrom(returns);
        if (async && !returns.isAssignableFrom(CompletableFuture.class)) {
            throw new EndureConfigurationException(where + " returns " + returns.getName()
                    + "; an asynchronous resilient method must return CompletionStage or CompletableFuture");
        }
        Pipeline<Object> pipeline = pipeline(retry == null ? null : retry.value(), breaker == null ? null : breaker.value(),
                budget == null ? null : budget.value(), limit == null ? null : limit.value(), where);
        Fallback fallback = AnnotatedElementUtils.findMergedAnnotation(method, Fallback.class);
        return new Plan(pipeline, async, fallback == null ? null : FallbackMethod.resolve(targetClass, method, fallback.value()));
    }

    private Pipeline<Object> pipeline(String retryName, String breakerName, String budgetName, String limitName, String where) {
        EndureConfig endure = config.getObject();
        ResilienceRegistry resilience = registry.getObject();
        String annotations = (retryName == null ? "" : "@Retry(\"" + retryName + "\") ")
                + (breakerName == null ? "" : "@CircuitBreaker(\"" + breakerName + "\") ")
                + (budgetName == null ? "" : "@RetryBudget(\"" + budgetName + "\") ")
                + (limitName == null ? "" : "@ConcurrencyLimit(\"" + limitName + "\") ");
        try {
            if (retryName != null && limitName == null) {
                PolicyConfig policy = endure.policy(retryName);
                if ((breakerName == null || policy.breaker().equals(Optional.of(breakerName)))
                        && (budgetName == null || policy.budget().equals(Optional.of(budgetName)))) {
                    return endure.pipeline(retryName, resilience); // the policy's own pipeline, shared
                }
            }
            // A name of its own: the policy's plain pipeline (without these additions) may be in use elsewhere.
            String name = (retryName == null ? "call" : retryName) + (breakerName == null ? "" : "+breaker:" + breakerName)
                    + (budgetName == null ? "" : "+budget:" + budgetName) + (limitName == null ? "" : "+limit:" + limitName);
            return endure.pipeline(name, retryName, breakerName, budgetName, limitName, resilience);
        } catch (NoSuchElementException | IllegalArgumentException wrong) {
            throw new EndureConfigurationException(annotations + "on " + where + ": " + wrong.getMessage());
        }
    }

    private static <A extends Annotation> A find(Method method, Class<?> targetClass, Class<A> type) {
        A onMethod = AnnotatedElementUtils.findMergedAnnotation(method, type);
        if (onMethod != null) {
            return onMethod;
        }
        if (Modifier.isPublic(method.getModifiers()) && method.getDeclaringClass() != Object.class) {
            return AnnotatedElementUtils.findMergedAnnotation(Objects.requireNonNullElse(targetClass, method.getDeclaringClass()), type);
        }
        return null;
    }
}
