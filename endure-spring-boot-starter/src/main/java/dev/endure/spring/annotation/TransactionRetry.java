package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Re-runs a {@code @Transactional} method as a whole new transaction when it fails for a transient SQL
 * reason (SQLState 40001 serialization failure, 40P01 deadlock, a lost connection before COMMIT: the
 * classification of endure-jdbc's {@code SqlStates}). The retry always wraps the transaction, whatever
 * order the transaction advisor has: each attempt begins, runs and ends its own transaction, and a call
 * made while a transaction is already open fails at once instead of retrying inside it.
 *
 * <p>A connection lost <em>during</em> COMMIT is surfaced as
 * {@link dev.endure.spring.TransactionOutcomeUnknownException} and not re-run (the transaction may have
 * committed), unless {@link #idempotent()} says running it twice is harmless.
 *
 * <pre>{@code
 * @TransactionRetry
 * @Transactional(isolation = Isolation.SERIALIZABLE)
 * public long reserve(String authorizationId, int units) { ... }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TransactionRetry {

    /**
     * The name of an entry of {@code endure.policies} whose attempts and backoff to use (its classification
     * is replaced by the SQL one); empty for seed 000's defaults: 5 attempts, 10 ms ×2 capped at 160 ms,
     * ±10 % jitter.
     */
    String policy() default "";

    /** True if re-running after a lost COMMIT is safe (the method checks whether its work is already there). */
    boolean idempotent() default false;
}
