package dev.endure.breaker;

import java.time.Instant;
import java.util.Objects;

/**
 * The part of a breaker's state that outlives a JVM and is shared between JVMs: whether it is open, until
 * when (a wall-clock instant, since monotonic clocks mean nothing in another process) and the growth step
 * of its open duration. Failure counts stay local to each instance.
 *
 * @param name the breaker's name, the store's key
 * @param state CLOSED or OPEN (HALF_OPEN is a local phase of an OPEN whose time is up and is never stored)
 * @param openUntil when an OPEN breaker lets trials through; null when CLOSED or forced open
 * @param openStep failed half-open trials since it last closed; the next open lasts
 *     {@code openDuration × multiplier^step}
 * @param forced whether an operator forced this state (it then does not change by itself)
 * @param version the store's version of this record; a store assigns it on save (ignored when saving)
 * @param writer the id of the breaker instance that wrote it, so an instance ignores its own writes
 * @param updatedAt when it was written
 */
public record BreakerRecord(String name, BreakerState state, Instant openUntil, int openStep, boolean forced, long version,
        String writer, Instant updatedAt) {

    public BreakerRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (state == BreakerState.HALF_OPEN) {
            throw new IllegalArgumentException("breaker '" + name + "': HALF_OPEN is never stored; store OPEN with its openUntil");
        }
        if (state == BreakerState.OPEN && openUntil == null && !forced) {
            throw new IllegalArgumentException("breaker '" + name + "': an OPEN record needs openUntil unless forced");
        }
        if (openStep < 0) {
            throw new IllegalArgumentException("breaker '" + name + "': openStep must not be negative (was " + openStep + ")");
        }
    }

    /** This record with the version a store gave it. */
    public BreakerRecord withVersion(long newVersion) {
        return new BreakerRecord(name, state, openUntil, openStep, forced, newVersion, writer, updatedAt);
    }
}
