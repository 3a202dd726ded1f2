package dev.endure.bench.contention;

import java.util.Locale;

/**
 * One of seed 001's load shapes: how many authorizations the clients share, how big they are, and what each
 * client does. Every client keeps its own SCHEDULED reservations; each operation either reserves (with probability
 * {@code reserveShare}, or always when it holds none) or settles its oldest reservation, consuming it with
 * probability {@code consumeShare} and releasing it otherwise.
 */
record Scenario(String name, String description, int authorizations, int unitsPerAuthorization, int minUnits, int maxUnits,
        double reserveShare, double consumeShare) {

    Scenario {
        require(authorizations >= 1, "authorizations must be at least 1 (was " + authorizations + ") in scenario " + name);
        require(unitsPerAuthorization >= 1, "units per authorization must be at least 1 (was " + unitsPerAuthorization + ") in scenario " + name);
        require(minUnits >= 1 && maxUnits >= minUnits, "reserve units must satisfy 1 <= min <= max (was " + minUnits + ".." + maxUnits
                + ") in scenario " + name);
        require(reserveShare > 0 && reserveShare <= 1, "reserve share must be in (0, 1] (was " + reserveShare + ") in scenario " + name);
        require(consumeShare >= 0 && consumeShare <= 1, "consume share must be in [0, 1] (was " + consumeShare + ") in scenario " + name);
    }

    /** Seed 001 scenario 1: many clients on a few 50-unit authorizations, reserving 10 units and releasing them. */
    static Scenario highContention(int authorizations) {
        return new Scenario("high-contention", "many clients on few authorizations: reserve 10 units, release them later",
                authorizations, 50, 10, 10, 0.5, 0.0);
    }

    /** Seed 001 scenario 2: the same operations spread over many authorizations. */
    static Scenario highThroughput(int authorizations) {
        return new Scenario("high-throughput", "the same operations spread over many authorizations",
                authorizations, 50, 10, 10, 0.5, 0.0);
    }

    /**
     * Seed 001 scenario 3: reserve 1-10 units, then release or consume (half each). Consumed units stay used, so
     * the authorizations are large enough for a long run.
     */
    static Scenario mixed(int authorizations) {
        return new Scenario("mixed", "reserve 1-10 units; settle by release or consume (half each)",
                authorizations, 5_000, 1, 10, 0.5, 0.5);
    }

    static Scenario named(String name, int contentionAuthorizations, int throughputAuthorizations, int mixedAuthorizations) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "high-contention" -> highContention(contentionAuthorizations);
            case "high-throughput" -> highThroughput(throughputAuthorizations);
            case "mixed" -> mixed(mixedAuthorizations);
            default -> throw new IllegalArgumentException("unknown scenario '" + name
                    + "' in --scenarios; choose from high-contention, high-throughput, mixed");
        };
    }

    String shape() {
        return String.format(Locale.ROOT, "%,d authorizations × %,d units, %s", authorizations, unitsPerAuthorization, description);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
