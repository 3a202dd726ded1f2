package dev.endure.delivery;

import java.time.Duration;
import java.time.Instant;

/** What follows one attempt: a pure value computed by {@link DeliveryDecider}. */
public sealed interface Decision {

    record Delivered() implements Decision {}

    /** Try again at {@code at} ({@code delay} after the attempt ended). */
    record Retry(Instant at, Duration delay, String reason) implements Decision {}

    /** The delivery ends as failed. */
    record GiveUp(Cause cause, String reason, Duration refusedDelay) implements Decision {}

    /** The endpoint is gone (404/410 by default): disable it and hold this delivery. */
    record DisableEndpoint(String reason) implements Decision {}

    /** Why a delivery was given up. */
    enum Cause {
        /** A status that retrying will not fix (a 400, a redirect). */
        PERMANENT,
        /** The next attempt would start after the maximum duration. */
        DURATION_EXCEEDED,
        /** The maximum number of attempts was made. */
        MAX_ATTEMPTS
    }
}
