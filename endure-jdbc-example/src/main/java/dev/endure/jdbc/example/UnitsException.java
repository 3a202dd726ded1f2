package dev.endure.jdbc.example;

/**
 * A request the service refuses for a business reason: permanent, never retried, and thrown as it is to the
 * caller. {@link #reason()} is a stable code for an API or a metric.
 */
public class UnitsException extends RuntimeException {

    /** Why a request was refused. */
    public enum Reason {
        /** The caller's role or organization does not allow it (checked before the retried transaction where possible). */
        FORBIDDEN,
        /** Bad input: a non-positive number of units. */
        INVALID,
        /** No such authorization or reservation. */
        NOT_FOUND,
        /** Fewer units are free than requested. */
        INSUFFICIENT_UNITS,
        /** The reservation is in a state that does not allow it (releasing a consumed reservation). */
        WRONG_STATE
    }

    private final Reason reason;

    public UnitsException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
