package dev.endure.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * What the delivery engine reports to {@link DeliveryListener}s: seed 003's events (scheduled,
 * success, failed, permanently disabled, failure-rate disabled, duration exceeded, max retries
 * exceeded, queue processed) plus a rejected stale result.
 */
public sealed interface DeliveryEvent {

    /** A failed attempt was followed by a retry at {@code nextAttemptAt}. */
    record RetryScheduled(String deliveryId, String messageId, String endpointId, int attempt, Duration delay,
            Instant nextAttemptAt, String reason) implements DeliveryEvent {}

    record Delivered(String deliveryId, String messageId, String endpointId, int attempts, Duration latency) implements DeliveryEvent {}

    /** Failed permanently on a status that retrying will not fix. */
    record Failed(String deliveryId, String messageId, String endpointId, int attempts, String reason) implements DeliveryEvent {}

    record DurationExceeded(String deliveryId, String messageId, String endpointId, int attempts, Duration refusedDelay,
            String reason) implements DeliveryEvent {}

    record MaxRetriesExceeded(String deliveryId, String messageId, String endpointId, int attempts, String reason)
            implements DeliveryEvent {}

    /** The endpoint answered a disabling status (404/410 by default). */
    record EndpointPermanentlyDisabled(String endpointId, String reason) implements DeliveryEvent {}

    record EndpointFailureRateDisabled(String endpointId, String reason, EndpointAttemptStats stats) implements DeliveryEvent {}

    /** One pass of a worker over its claimed batch. */
    record QueueProcessed(String owner, int claimed, int delivered, int retried, int failed, int held, Duration elapsed)
            implements DeliveryEvent {}

    /** A worker's result came back after its lease was taken over; it was discarded. */
    record StaleResultRejected(String deliveryId, String owner, long fencingToken) implements DeliveryEvent {}

    /**
     * The worker could not write to the store ({@code operation}: a result, a release, a lease renewal) and
     * keeps retrying; reported once when the trouble starts, not per retry.
     */
    record StoreUnreachable(String owner, String operation, String cause) implements DeliveryEvent {}

    /** The store answers the worker's writes again after {@code outage}; reported once. */
    record StoreReachable(String owner, Duration outage) implements DeliveryEvent {}

    /** The claim loop failed {@code failedPolls} polls in a row (reported once, when it starts failing). */
    record ClaimLoopFailing(String owner, int failedPolls, String cause) implements DeliveryEvent {}

    /** The claim loop claims again after {@code failedPolls} failed polls; reported once. */
    record ClaimLoopRecovered(String owner, int failedPolls, Duration outage) implements DeliveryEvent {}
}
