package dev.endure.spring.internal;

import dev.endure.Failures;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;

/** Runs an annotated method through its pipeline; each attempt proceeds down a fresh copy of the invocation. */
public final class ResilientMethodInterceptor implements MethodInterceptor {

    private final ResilientMethods methods;

    public ResilientMethodInterceptor(ResilientMethods methods) {
        this.methods = methods;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target == null ? invocation.getMethod().getDeclaringClass() : AopUtils.getTargetClass(target);
        ResilientMethods.Plan plan = methods.plan(invocation.getMethod(), targetClass);
        ProxyMethodInvocation proxied = (ProxyMethodInvocation) invocation;
        if (plan.async()) {
            return async(plan, proxied);
        }
        try {
            return plan.pipeline().<Exception>execute(context -> proceed(proxied));
        } catch (Throwable failure) {
            if (plan.fallback() != null && plan.fallback().handles(failure)) {
                return plan.fallback().invoke(target, invocation.getArguments(), failure);
            }
            throw failure;
        }
    }

    @SuppressWarnings("unchecked")
    private Object async(ResilientMethods.Plan plan, ProxyMethodInvocation invocation) {
        CompletableFuture<Object> outcome = plan.pipeline().executeAsync(context -> {
            try {
                return (CompletionStage<Object>) proceed(invocation);
            } catch (Exception thrown) {
                return CompletableFuture.failedFuture(thrown);
            }
        });
        if (plan.fallback() == null) {
            return outcome;
        }
        return outcome.handle((result, failure) -> {
            Throwable cause = Failures.unwrap(failure);
            if (cause == null) {
                return CompletableFuture.completedFuture(result);
            }
            if (!plan.fallback().handles(cause)) {
                return CompletableFuture.failedFuture(cause);
            }
            try {
                return (CompletionStage<Object>) plan.fallback().invoke(invocation.getThis(), invocation.getArguments(), cause);
            } catch (Throwable fallbackFailed) {
                return CompletableFuture.failedFuture(fallbackFailed);
            }
        }).thenCompose(stage -> stage);
    }

    /** One attempt: the rest of the interceptor chain and the method, on a copy that may proceed again. */
    static Object proceed(ProxyMethodInvocation invocation) throws Exception {
        try {
            return invocation.invocableClone().proceed();
        } catch (Exception | Error thrown) {
            throw thrown;
        } catch (Throwable other) {
            throw new UndeclaredThrowableException(other);
        }
    }
}
