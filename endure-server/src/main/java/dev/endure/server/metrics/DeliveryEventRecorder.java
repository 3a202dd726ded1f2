package dev.endure.server.metrics;

import dev.endure.delivery.DeliveryEvent;
import dev.endure.delivery.DeliveryListener;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the worker's events (seed 003's list: scheduled, success, failed, permanently disabled,
 * failure-rate disabled, duration exceeded, max retries exceeded, queue processed) into Micrometer
 * counters and log lines: endpoint disabling at WARN, terminal failures at INFO, routine ones at DEBUG.
 */
public final class DeliveryEventRecorder implements DeliveryListener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.endure.server.deliveries");

    private final ServerMetrics metrics;

    public DeliveryEventRecorder(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onEvent(DeliveryEvent event) {
        if (event instanceof DeliveryEvent.RetryScheduled e) {
            metrics.countEvent("scheduled", Map.of());
            LOG.debug("delivery {} to {}: attempt {} failed, retrying in {}", e.deliveryId(), e.endpointId(), e.attempt(), e.delay());
        } else if (event instanceof DeliveryEvent.Delivered e) {
            metrics.countEvent("success", Map.of());
            LOG.debug("delivery {} to {} delivered after {} attempts", e.deliveryId(), e.endpointId(), e.attempts());
        } else if (event instanceof DeliveryEvent.Failed e) {
            metrics.countEvent("failed", Map.of());
            LOG.info("delivery {} of message {} to {} failed after {} attempts: {}", e.deliveryId(), e.messageId(), e.endpointId(),
                    e.attempts(), e.reason());
        } else if (event instanceof DeliveryEvent.DurationExceeded e) {
            metrics.countEvent("duration_exceeded", Map.of());
            LOG.info("delivery {} to {} gave up: maximum duration exceeded after {} attempts", e.deliveryId(), e.endpointId(), e.attempts());
        } else if (event instanceof DeliveryEvent.MaxRetriesExceeded e) {
            metrics.countEvent("max_retries_exceeded", Map.of());
            LOG.info("delivery {} to {} gave up after {} attempts: {}", e.deliveryId(), e.endpointId(), e.attempts(), e.reason());
        } else if (event instanceof DeliveryEvent.EndpointPermanentlyDisabled e) {
            metrics.countEvent("permanently_disabled", Map.of());
            LOG.warn("endpoint {} disabled: {}", e.endpointId(), e.reason());
        } else if (event instanceof DeliveryEvent.EndpointFailureRateDisabled e) {
            metrics.countEvent("failure_rate_disabled", Map.of());
            LOG.warn("endpoint {} disabled: {}", e.endpointId(), e.reason());
        } else if (event instanceof DeliveryEvent.QueueProcessed e) {
            metrics.countEvent("queue_processed", Map.of());
        } else if (event instanceof DeliveryEvent.StoreUnreachable e) {
            metrics.countEvent("store_unreachable", Map.of());
            LOG.warn("worker {} cannot {} in the store; retrying until it answers (in-flight results are kept): {}", e.owner(),
                    e.operation(), e.cause());
        } else if (event instanceof DeliveryEvent.StoreReachable e) {
            metrics.countEvent("store_reachable", Map.of());
            LOG.warn("worker {} reaches the store again after {}", e.owner(), dev.endure.Durations.describe(e.outage()));
        } else if (event instanceof DeliveryEvent.ClaimLoopFailing e) {
            metrics.countEvent("claim_loop_failing", Map.of());
            LOG.warn("worker {} failed to claim deliveries {} times in a row; not ready until it recovers: {}", e.owner(),
                    e.failedPolls(), e.cause());
        } else if (event instanceof DeliveryEvent.ClaimLoopRecovered e) {
            metrics.countEvent("claim_loop_recovered", Map.of());
            LOG.warn("worker {} claims again after {} failed polls over {}", e.owner(), e.failedPolls(),
                    dev.endure.Durations.describe(e.outage()));
        } else if (event instanceof DeliveryEvent.StaleResultRejected e) {
            metrics.countEvent("stale_result_rejected", Map.of());
            LOG.info("result of delivery {} from {} rejected: its lease (token {}) was superseded", e.deliveryId(), e.owner(), e.fencingToken());
        }
    }
}
