package dev.endure.server.api;

import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.spi.DeliveryQueries;
import dev.endure.delivery.DeliveryService;
import dev.endure.delivery.EventCatalogue;
import dev.endure.server.metrics.QueueHistory;
import java.util.function.Function;

/**
 * What the API routes work on: the delivery application layer (every write, with its SSRF vetting and
 * clock), the operator's read-side queries, this node's breaker states (by endpoint id), the queue
 * history for the chart, the request size limit, and the worker's delivery policy (an endpoint's
 * overrides are checked against it, so the API accepts only what the worker can run). No route sees a
 * store or JDBC class. {@code eventTypes} is the event-type catalogue and the endpoints' subscriptions.
 */
public record ApiContext(DeliveryService deliveries, DeliveryQueries queries, Function<String, String> breakerStates,
        QueueHistory history, long maxPayloadBytes, DeliveryPolicy policy, EventCatalogue eventTypes) {}
