/**
 * What a delivery store implements: {@link dev.endure.delivery.spi.DeliveryStore} (endpoints, messages, leases,
 * transitions), {@link dev.endure.delivery.spi.DeliveryQueries} (the operator's read side) and
 * {@link dev.endure.delivery.spi.EventTypeStore} (the event-type catalogue and subscriptions), with the values
 * that cross that boundary. {@code dev.endure.delivery.jdbc} is the implementation that ships; another store
 * passes {@code DeliveryStoreContract} in the test sources.
 */
package dev.endure.delivery.spi;
