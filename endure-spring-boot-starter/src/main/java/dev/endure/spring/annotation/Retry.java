package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method through the named policy of {@code endure.policies}: its retry, and the breaker, budget
 * and attempt timeout the policy names, in core's fixed order (retry, asking the budget before each retry,
 * then breaker, then timeout, then the call). Works for plain return types and for {@code CompletionStage}
 * / {@code CompletableFuture} ones (delays then run on a scheduler; no thread waits).
 *
 * <pre>{@code
 * @Retry("billing")
 * public Invoice fetch(String id) { ... }
 * }</pre>
 *
 * <p>On a class, applies to every public method that has no annotation of its own. When retries run out the
 * caller gets {@link dev.endure.retry.RetriesExhaustedException} with the last failure as its cause; a
 * failure the policy does not retry is thrown unchanged. See {@link Fallback} for a replacement result.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Retry {

    /** The name of an entry of {@code endure.policies}. */
    String value();
}
