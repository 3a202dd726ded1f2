package dev.endure.delivery.internal;

import dev.endure.delivery.AttemptResult;
import dev.endure.delivery.spi.Claim;

import dev.endure.Verdict;
import dev.endure.retry.RetryEvent;
import java.time.Duration;
import java.util.List;

/**
 * Translates one delivery attempt and its {@link Decision} into endure-core's {@link RetryEvent}s, so
 * that every core {@link dev.endure.retry.RetryListener} (the SLF4J retry log and the Micrometer meters
 * of endure-observe, or a team's own) sees webhook deliveries exactly like any other retried call.
 *
 * <p>The policy name is {@code webhook:<endpoint id>}; an event's result is the {@link AttemptResult}
 * (its {@code status()} is the HTTP status); elapsed time counts from the start of the delivery's
 * retry window (the first attempt of the current cycle).
 */
public final class CoreRetryEvents {

    private CoreRetryEvents() {}

    public static String policyName(String endpointId) {
        return "webhook:" + endpointId;
    }

    public static List<RetryEvent> of(Claim claim, AttemptResult result, Decision decision, Duration elapsed) {
        String policy = policyName(claim.endpointId());
        int attempt = claim.attemptNumber();
        if (decision instanceof Decision.Delivered) {
            return List.of(new RetryEvent.Succeeded(policy, attempt, elapsed, result.latency()));
        }
        Verdict verdict = verdictOf(result, decision);
        RetryEvent failed = new RetryEvent.AttemptFailed(policy, attempt, elapsed, result.latency(), verdict, null, result);
        RetryEvent next;
        if (decision instanceof Decision.Retry retry) {
            next = new RetryEvent.RetryScheduled(policy, attempt + 1, elapsed, retry.delay(), retry.reason(), verdict, null, result);
        } else if (decision instanceof Decision.GiveUp giveUp) {
            next = giveUp.cause() == Decision.Cause.PERMANENT
                    ? new RetryEvent.FailedPermanently(policy, attempt, elapsed, verdict, null, result)
                    : new RetryEvent.Exhausted(policy, attempt, elapsed, giveUp.limit(), verdict, null, result);
        } else {
            next = new RetryEvent.FailedPermanently(policy, attempt, elapsed, verdict, null, result);
        }
        return List.of(failed, next);
    }

    /** What the attempt's outcome meant, in core's terms. */
    public static Verdict verdictOf(AttemptResult result, Decision decision) {
        if (decision instanceof Decision.DisableEndpoint disable) {
            return Verdict.disableTarget(disable.reason());
        }
        if (decision instanceof Decision.GiveUp giveUp && giveUp.cause() == Decision.Cause.PERMANENT) {
            return Verdict.fail(giveUp.reason());
        }
        // A retry, or a retryable outcome whose limits ran out.
        String reason = decision instanceof Decision.Retry retry ? retry.reason() : result.describe();
        return result.retryAfter() != null ? Verdict.retryAfter(result.retryAfter(), reason) : Verdict.retry(reason);
    }
}
