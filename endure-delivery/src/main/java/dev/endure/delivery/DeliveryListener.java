package dev.endure.delivery;

/**
 * Receives {@link DeliveryEvent}s on the worker thread that produced them. Must be quick; an exception
 * it throws is counted and never breaks a delivery.
 */
@FunctionalInterface
public interface DeliveryListener {
    void onEvent(DeliveryEvent event);
}
