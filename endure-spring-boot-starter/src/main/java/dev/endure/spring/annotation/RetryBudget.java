package dev.endure.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Draws the retries of the method's {@link Retry} policy from the named budget of {@code endure.budgets}:
 * when the budget refuses a retry, the call ends with its last outcome. Needs {@link Retry} (a budget only
 * limits retries); a policy that already names a budget may only be combined with the same one.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RetryBudget {

    /** The name of an entry of {@code endure.budgets}. */
    String value();
}
