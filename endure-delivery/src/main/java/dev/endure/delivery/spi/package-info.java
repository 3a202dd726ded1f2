/**
 * What a delivery store implements: {@link dev.endure.delivery.spi.DeliveryStore} (endpoints, messages, leases,
 * transitions) and {@link dev.endure.delivery.spi.DeliveryQueries} (the operator's read side), with the values
 * that cross that boundary. {@code dev.endure.delivery.jdbc} is the implementation that ships; another store
 * passes {@code DeliveryStoreContract} in the test sources.
 */
package dev.endure.delivery.spi;
