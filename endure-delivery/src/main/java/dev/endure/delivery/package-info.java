/**
 * Durable webhook delivery, the application's view: {@link dev.endure.delivery.DeliveryService} to create
 * endpoints and send messages, {@link dev.endure.delivery.DeliveryWorker} to deliver them, and the values
 * they take and return. A store plugs in through {@code dev.endure.delivery.spi}; {@code internal} is not API.
 */
package dev.endure.delivery;
