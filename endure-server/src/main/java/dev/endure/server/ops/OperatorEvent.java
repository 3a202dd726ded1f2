package dev.endure.server.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.DeliveryEvent;
import dev.endure.server.api.Json;
import java.time.Instant;
import java.util.Optional;

/**
 * Something an operator must hear about: an endpoint the worker disabled ({@code endpoint.disabled}: a 404/410 answer,
 * or its failure rate) or a message that failed for good at one endpoint ({@code message.failed}). Sent to
 * {@code operator.webhookUrl} as a Standard Webhooks message whose body is {@code {"type", "timestamp", "data"}}.
 */
public record OperatorEvent(String type, Instant at, String endpointId, String messageId, String deliveryId, Integer attempts,
        String reason) {

    public static final String ENDPOINT_DISABLED = "endpoint.disabled";
    public static final String MESSAGE_FAILED = "message.failed";

    /** The operational event a worker event stands for, if it is one. */
    public static Optional<OperatorEvent> of(DeliveryEvent event, Instant now) {
        if (event instanceof DeliveryEvent.EndpointPermanentlyDisabled disabled) {
            return Optional.of(new OperatorEvent(ENDPOINT_DISABLED, now, disabled.endpointId(), null, null, null, disabled.reason()));
        }
        if (event instanceof DeliveryEvent.EndpointFailureRateDisabled disabled) {
            return Optional.of(new OperatorEvent(ENDPOINT_DISABLED, now, disabled.endpointId(), null, null, null, disabled.reason()));
        }
        if (event instanceof DeliveryEvent.Failed failed) {
            return Optional.of(new OperatorEvent(MESSAGE_FAILED, now, failed.endpointId(), failed.messageId(), failed.deliveryId(),
                    failed.attempts(), failed.reason()));
        }
        if (event instanceof DeliveryEvent.MaxRetriesExceeded failed) {
            return Optional.of(new OperatorEvent(MESSAGE_FAILED, now, failed.endpointId(), failed.messageId(), failed.deliveryId(),
                    failed.attempts(), failed.reason()));
        }
        if (event instanceof DeliveryEvent.DurationExceeded failed) {
            return Optional.of(new OperatorEvent(MESSAGE_FAILED, now, failed.endpointId(), failed.messageId(), failed.deliveryId(),
                    failed.attempts(), failed.reason()));
        }
        return Optional.empty();
    }

    /** A key that makes a second report of the same event (a retried enqueue) one message. */
    public String idempotencyKey() {
        return type + ":" + (deliveryId != null ? deliveryId : endpointId + ":" + at.toEpochMilli());
    }

    /** The fields under {@code data}. */
    public ObjectNode data() {
        ObjectNode data = Json.object();
        data.put("endpointId", endpointId);
        if (messageId != null) {
            data.put("messageId", messageId);
            data.put("deliveryId", deliveryId);
            data.put("attempts", attempts);
        }
        data.put("reason", reason);
        return data;
    }

    /** The body sent to the operator. */
    public String body() {
        ObjectNode body = Json.object();
        body.put("type", type);
        body.put("timestamp", at.toString());
        body.set("data", data());
        return body.toString();
    }
}
