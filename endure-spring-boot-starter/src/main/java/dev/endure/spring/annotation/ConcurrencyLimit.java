package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Admits each attempt of the method through the named limit of {@code endure.limits} (fixed or adaptive),
 * shared with every other user of that name. In core's order: inside the retry (a retry waiting out its
 * backoff holds no slot), outside the breaker. A call that finds no slot within the limit's {@code maxWait}
 * is rejected with {@link dev.endure.limit.ConcurrencyLimitExceededException}, which a {@link Retry} policy
 * retries like any transient failure.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ConcurrencyLimit {

    /** The name of an entry of {@code endure.limits}. */
    String value();
}
