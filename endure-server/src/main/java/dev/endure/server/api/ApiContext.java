package dev.endure.server.api;

import dev.endure.Clock;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.DeliveryStore;
import dev.endure.delivery.jdbc.JdbcDeliveryQueries;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.server.metrics.QueueHistory;
import java.time.Duration;
import java.util.function.Function;

/**
 * What the API routes work on: the store (writes and status), the read-side queries, the clock, this
 * node's breaker states (by endpoint id), the queue history for the chart, the request limits, and the
 * worker's delivery policy (an endpoint's overrides are checked against it, so the API accepts only
 * what the worker can run).
 */
public record ApiContext(DeliveryStore store, JdbcDeliveryQueries queries, Clock clock, Function<String, String> breakerStates,
        QueueHistory history, long maxPayloadBytes, Duration statsWindow, SsrfGuard ssrfGuard, DeliveryPolicy policy) {}
