package dev.endure.delivery.internal;

import dev.endure.retry.GiveUpReason;
import java.time.Duration;
import java.time.Instant;

/** What follows one attempt: a pure value computed by {@link DeliveryDecider}. */
public sealed interface Decision {

    record Delivered() implements Decision {}

    /** Try again at {@code at} ({@code delay} after the attempt ended). */
    record Retry(Instant at, Duration delay, String reason) implements Decision {}

    /**
     * The delivery ends as failed.
     *
     * @param refusedDelay the delay (or retry-after hint) that a limit refused, if one did
     * @param limit core's name for the limit that ended it (null for {@link Cause#PERMANENT})
     */
    record GiveUp(Cause cause, String reason, Duration refusedDelay, GiveUpReason limit) implements Decision {

        public GiveUp(Cause cause, String reason, Duration refusedDelay) {
            this(cause, reason, refusedDelay, switch (cause) {
                case PERMANENT -> null;
                case DURATION_EXCEEDED -> GiveUpReason.MAX_DURATION;
                case MAX_ATTEMPTS -> GiveUpReason.MAX_ATTEMPTS;
                case RETRY_AFTER_TOO_LONG -> GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER;
            });
        }
    }

    /** The endpoint is gone (404/410 by default): disable it and hold this delivery. */
    record DisableEndpoint(String reason) implements Decision {}

    /** Why a delivery was given up. */
    enum Cause {
        /** A status that retrying will not fix (a 400, a redirect). */
        PERMANENT,
        /** The next attempt (after the backoff, or after the receiver's Retry-After) would start after the maximum duration. */
        DURATION_EXCEEDED,
        /** The maximum number of attempts was made. */
        MAX_ATTEMPTS,
        /**
         * The receiver's {@code Retry-After} was longer than the policy's {@code maxRetryAfter}: retrying
         * sooner would come before the receiver allows (unless the policy clamps).
         */
        RETRY_AFTER_TOO_LONG
    }
}
