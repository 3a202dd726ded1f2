package dev.endure.delivery;

/** What an attempt led to. */
public enum AttemptOutcome {
    DELIVERED,
    /** Failed; another attempt is scheduled. */
    RETRY_SCHEDULED,
    /** Failed; the delivery ended as failed (permanent status, attempts or duration exhausted). */
    FAILED,
    /** Failed; the endpoint is (or got) disabled and the delivery is held. */
    HELD
}
