package dev.endure.delivery.internal;

import dev.endure.delivery.AttemptResult;
import dev.endure.delivery.DeliveryPolicy;

import dev.endure.Durations;
import dev.endure.HttpStatusTable;
import dev.endure.Verdict;
import dev.endure.retry.RetryStep;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * Turns an attempt's result into a {@link Decision} under a {@link DeliveryPolicy}, by endure-core's
 * rules: the status means what core's {@link HttpStatusTable} says ({@link DeliveryPolicy#statusTable()}),
 * and what follows a failed attempt is core's {@link RetryStep}, the same step an in-process
 * {@link dev.endure.retry.Retrier} takes. Pure apart from the jitter's random numbers; tested without a
 * database or a network.
 *
 * <p>Order: 2xx delivers; a disabling status (404/410) disables the endpoint; a status the table does not
 * retry fails at once; otherwise the step decides: max attempts, the backoff (decorrelated jitter grows
 * from the previous delay), a Retry-After as a floor (beyond {@code maxRetryAfter} it ends the delivery
 * unless the policy clamps), and no attempt after the maximum duration.
 */
public final class DeliveryDecider {

    private DeliveryDecider() {}

    /**
     * @param attempt the number of the attempt that just ended (1 for the first of a cycle)
     * @param windowStart when the cycle's first attempt started
     * @param ended when this attempt ended; the next delay counts from here
     * @param previousDelay the delay before this attempt (decorrelated jitter grows from it), or null
     */
    public static Decision decide(DeliveryPolicy policy, int attempt, Instant windowStart, Instant ended, AttemptResult result,
            Duration previousDelay, RandomGenerator random) {
        Verdict verdict = verdictOf(policy.statusTable(), result);
        if (verdict.kind() == Verdict.Kind.SUCCESS) {
            return new Decision.Delivered();
        }
        String what = result.describe() + " on attempt " + attempt;
        if (verdict.kind() == Verdict.Kind.DISABLE_TARGET) {
            return new Decision.DisableEndpoint(what);
        }
        long elapsed = Duration.between(windowStart, ended).toNanos();
        RetryStep step = RetryStep.next(policy.retryLimits(), attempt, elapsed, verdict,
                previousDelay == null ? 0 : previousDelay.toNanos(), random);
        if (step instanceof RetryStep.Retry retry) {
            return new Decision.Retry(ended.plus(retry.delay()), retry.delay(), what);
        }
        if (!(step instanceof RetryStep.GiveUp gaveUp)) {
            Integer status = result.status();
            String hint = status != null && status >= 300 && status < 400 ? " (redirects are not followed)" : "";
            return new Decision.GiveUp(Decision.Cause.PERMANENT, what + hint, null, null);
        }
        Duration refused = gaveUp.refused();
        return switch (gaveUp.reason()) {
            case MAX_ATTEMPTS -> new Decision.GiveUp(Decision.Cause.MAX_ATTEMPTS,
                    "max retries exceeded: " + attempt + " attempts; last " + what, null, gaveUp.reason());
            case MAX_DURATION -> new Decision.GiveUp(Decision.Cause.DURATION_EXCEEDED, "max duration exceeded: the next attempt"
                    + " would start " + Durations.describe(Duration.between(windowStart, ended.plus(refused))) + " after the first"
                    + " (limit " + Durations.describe(policy.maxDuration()) + "); last " + what, refused, gaveUp.reason());
            case HINT_EXCEEDS_DEADLINE -> new Decision.GiveUp(Decision.Cause.DURATION_EXCEEDED, "max duration exceeded: the"
                    + " receiver's Retry-After of " + Durations.describe(refused) + " ends "
                    + Durations.describe(Duration.between(windowStart, ended.plus(refused))) + " after the first attempt (limit "
                    + Durations.describe(policy.maxDuration()) + "); last " + what, refused, gaveUp.reason());
            case HINT_EXCEEDS_MAX_RETRY_AFTER -> new Decision.GiveUp(Decision.Cause.RETRY_AFTER_TOO_LONG, "the receiver's"
                    + " Retry-After of " + Durations.describe(refused) + " is longer than maxRetryAfter ("
                    + Durations.describe(policy.maxRetryAfter()) + "); retrying sooner would come before the receiver allows;"
                    + " last " + what, refused, gaveUp.reason());
            case RETRY_BUDGET, OUTER_RETRY -> throw new IllegalStateException("the retry step never gives " + gaveUp.reason()
                    + " (budgets and outer retries are applied by Retrier, not by the step)");
        };
    }

    /** What the attempt's result means by the table: a network error is retried; a status as the table says. */
    static Verdict verdictOf(HttpStatusTable table, AttemptResult result) {
        if (result.status() == null) {
            return Verdict.retry(result.describe());
        }
        return table.verdict(result.status(), result.retryAfter());
    }
}
