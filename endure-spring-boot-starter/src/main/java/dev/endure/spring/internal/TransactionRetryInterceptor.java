package dev.endure.spring.internal;

import dev.endure.config.EndureConfig;
import dev.endure.jdbc.CommitOutcomeUnknownException;
import dev.endure.jdbc.SqlStates;
import dev.endure.jdbc.TransactionRunner;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import dev.endure.spring.EndureConfigurationException;
import dev.endure.spring.TransactionOutcomeUnknownException;
import dev.endure.spring.annotation.TransactionRetry;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The advice of {@link TransactionRetry}: runs the whole transactional call (the transaction interceptor
 * included) once per attempt under a retrier classified by endure-jdbc's {@link SqlStates}.
 */
public final class TransactionRetryInterceptor implements MethodInterceptor {

    private record Plan(Retrier<Object> retrier, boolean idempotent, String where) {}

    private final ObjectProvider<EndureConfig> config;
    private final ObjectProvider<ResilienceRegistry> registry;
    private final Map<Method, Plan> plans = new ConcurrentHashMap<>();

    public TransactionRetryInterceptor(ObjectProvider<EndureConfig> config, ObjectProvider<ResilienceRegistry> registry) {
        this.config = config;
        this.registry = registry;
    }

    /** Checks every {@link TransactionRetry} method of a bean class now, so a mistake fails startup. */
    public void validate(Class<?> beanClass) {
        if (!AnnotationUtils.isCandidateClass(beanClass, TransactionRetry.class)) {
            return;
        }
        for (Method method : beanClass.getMethods()) {
            if (AnnotatedElementUtils.hasAnnotation(method, TransactionRetry.class)) {
                plan(method, beanClass);
            }
        }
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target == null ? invocation.getMethod().getDeclaringClass() : AopUtils.getTargetClass(target);
        Plan plan = plan(invocation.getMethod(), targetClass);
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            // Retrying inside someone else's transaction would re-run only part of it, on a transaction the
            // database may already have aborted. The caller's transaction must be the one retried.
            throw new IllegalStateException("@TransactionRetry method " + plan.where() + " was called inside an open"
                    + " transaction, so it cannot be re-run as a whole new one; call it from outside any transaction"
                    + " (or put @TransactionRetry on the method that starts the transaction)");
        }
        ProxyMethodInvocation proxied = (ProxyMethodInvocation) invocation;
        return plan.retrier().<Exception>execute(context -> {
            CommitFailures.clear();
            try {
                return ResilientMethodInterceptor.proceed(proxied);
            } catch (RuntimeException failure) {
                if (!plan.idempotent() && CommitFailures.commitDidNotFinish() && SqlStates.isConnectionFailure(failure)) {
                    throw outcomeUnknown(plan, failure, context.attempt());
                }
                throw failure;
            } finally {
                CommitFailures.clear();
            }
        });
    }

    private static TransactionOutcomeUnknownException outcomeUnknown(Plan plan, RuntimeException failure, int attempt) {
        String message = "the connection failed during COMMIT of attempt " + attempt + " of " + plan.where()
                + ", so the transaction may have committed; it was not re-run. " + SqlStates.describe(failure);
        SQLException driver = firstSqlException(failure);
        CommitOutcomeUnknownException unknown = CommitOutcomeUnknownException.duringCommit(message, driver, attempt);
        return new TransactionOutcomeUnknownException(message, unknown, attempt);
    }

    private static SQLException firstSqlException(Throwable failure) {
        for (Throwable node = failure; node != null; node = node.getCause() == node ? null : node.getCause()) {
            if (node instanceof SQLException sql) {
                return sql;
            }
        }
        return new SQLException(String.valueOf(failure.getMessage()), "08000", failure);
    }

    private Plan plan(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        return plans.computeIfAbsent(specific, key -> resolve(key, targetClass));
    }

    private Plan resolve(Method method, Class<?> targetClass) {
        TransactionRetry annotation = AnnotatedElementUtils.findMergedAnnotation(method, TransactionRetry.class);
        String where = Describe.method(method);
        if (!AnnotatedElementUtils.hasAnnotation(method, Transactional.class)
                && !AnnotatedElementUtils.hasAnnotation(targetClass, Transactional.class)) {
            throw new EndureConfigurationException("@TransactionRetry on " + where + " needs @Transactional on the method"
                    + " or its class: the retry re-runs the transaction Spring starts for each call");
        }
        RetryPolicy<Object> policy;
        if (annotation.policy().isEmpty()) {
            policy = TransactionRunner.defaultPolicy();
        } else {
            try {
                policy = config.getObject().policy(annotation.policy()).retryPolicy(SqlStates.classifier()).toBuilder()
                        .name("transaction:" + annotation.policy()).build();
            } catch (NoSuchElementException unknown) {
                throw new EndureConfigurationException("@TransactionRetry(policy = \"" + annotation.policy() + "\") on "
                        + where + ": " + unknown.getMessage());
            }
        }
        ResilienceRegistry resilience = registry.getObject();
        Retrier<Object> retrier = resilience.retrier(policy.name(),
                () -> Retrier.builder(policy).clock(resilience.clock()).scheduler(resilience.scheduler()).build());
        return new Plan(retrier, annotation.idempotent(), where);
    }
}
