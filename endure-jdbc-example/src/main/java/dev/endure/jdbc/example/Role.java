package dev.endure.jdbc.example;

/** Who may change units (seed 000's RBAC, checked once before the retried transaction). */
public enum Role {
    /** Any authorization of any organization. */
    ADMIN,
    /** Reserves, releases and consumes units of its own organization's authorizations. */
    SCHEDULER,
    /** Reads only. */
    VIEWER
}
