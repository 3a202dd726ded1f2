package dev.endure.jdbc.example;

/**
 * One authorization's units. The invariant the service keeps, under SERIALIZABLE and without a CHECK constraint
 * that would hide a violation from the overbooking query: {@code usedUnits + scheduledUnits <= totalUnits}.
 */
public record Authorization(long id, long organizationId, int totalUnits, int usedUnits, int scheduledUnits) {

    /** Units still free to reserve. */
    public int availableUnits() {
        return totalUnits - usedUnits - scheduledUnits;
    }

    /** True when the invariant is broken. */
    public boolean isOverbooked() {
        return usedUnits + scheduledUnits > totalUnits;
    }
}
