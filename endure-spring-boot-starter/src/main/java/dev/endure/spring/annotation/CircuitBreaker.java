package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Guards the method with the named breaker of {@code endure.breakers}, shared with every other user of that
 * name. Alone, each call is one attempt through the breaker (an open breaker rejects it with
 * {@link dev.endure.breaker.CallNotPermittedException}, wrapped in the retry exception); with {@link Retry},
 * the breaker sees each attempt, inside the retry, whatever order the annotations are written in. A policy
 * that already names a breaker may only be combined with the same one.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CircuitBreaker {

    /** The name of an entry of {@code endure.breakers}. */
    String value();
}
