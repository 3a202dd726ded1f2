package dev.endure.delivery;

/** Where one delivery (a message to one endpoint) stands. */
public enum DeliveryState {
    /** Waiting for its next attempt time. */
    PENDING,
    /** Claimed by a worker whose lease has not been given back; claimable again once the lease expires. */
    IN_FLIGHT,
    /** The endpoint answered 2xx. Terminal. */
    DELIVERED,
    /** Given up: permanent error, attempts or duration exhausted. Terminal until replayed. */
    FAILED,
    /** Kept while its endpoint is disabled; re-enabling the endpoint makes it pending again. */
    HELD;

    public boolean isTerminal() {
        return this == DELIVERED || this == FAILED;
    }
}
