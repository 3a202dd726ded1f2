package dev.endure.delivery.spi;

/**
 * A result came back with a fencing token that is no longer the delivery's latest: the worker's lease
 * expired and another claim took over. The result is discarded.
 */
public final class StaleLeaseException extends RuntimeException {

    public StaleLeaseException(String deliveryId, long token) {
        super("result for delivery " + deliveryId + " rejected: fencing token " + token
                + " is stale (the lease expired and the delivery was claimed again, or it already finished)");
    }
}
