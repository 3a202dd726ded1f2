package dev.endure.jdbc.example;

/** Units reserved on an authorization for one appointment. */
public record Reservation(long id, long authorizationId, int units, Status status) {

    /** A reservation's life: reserved, then released (appointment cancelled) or consumed (session held). */
    public enum Status {
        SCHEDULED, RELEASED, CONSUMED
    }
}
