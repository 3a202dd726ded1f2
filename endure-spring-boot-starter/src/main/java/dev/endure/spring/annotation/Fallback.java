package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a method of the same bean that replaces the result when a {@link Retry} or {@link CircuitBreaker}
 * call fails for good. The rule, checked at startup:
 *
 * <ul>
 *   <li>the fallback takes the annotated method's parameters, in order, plus one last parameter for the
 *       failure: {@code Throwable}, or a narrower type, in which case it handles only failures of that type
 *       (others reach the caller unchanged);
 *   <li>it returns what the annotated method returns (for a {@code CompletionStage} method: the same
 *       stage type, which may already be completed);
 *   <li>it may be private; exactly one method of that name may match.
 * </ul>
 *
 * <pre>{@code
 * @Retry("billing") @Fallback("lastKnownInvoice")
 * public Invoice fetch(String id) { ... }
 *
 * private Invoice lastKnownInvoice(String id, RetryException failure) { ... }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Fallback {

    /** The name of the fallback method, declared in the same class (or a superclass). */
    String value();
}
