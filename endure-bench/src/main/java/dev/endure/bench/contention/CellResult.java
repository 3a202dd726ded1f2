package dev.endure.bench.contention;

import java.util.Map;

/**
 * The measurements of one scenario under one policy.
 *
 * @param outcomes operations per {@link Outcome.Kind}
 * @param reasons operations per refusal or failure reason
 * @param attemptsHistogram index {@code i}: operations that made {@code i + 1} attempts
 * @param attempts attempts made in all
 * @param serializationFailedAttempts attempts that ended in a serialization failure or deadlock
 * @param serializationFailuresToCaller operations whose caller got a serialization failure (exhausted or unretried)
 * @param overbooked authorizations with {@code used + scheduled > total} (seed 001's query)
 * @param miscounted authorizations whose counters disagree with their reservations
 * @param accountingMatches true when the units the callers saw booked equal the units in the database
 */
record CellResult(String scenario, String policy, String policyDescription, long operations, double seconds,
        Map<Outcome.Kind, Long> outcomes, Map<String, Long> reasons, long[] attemptsHistogram, long attempts,
        long serializationFailedAttempts, long serializationFailuresToCaller, double p50Millis, double p95Millis,
        double p99Millis, double maxMillis, int overbooked, int miscounted, boolean accountingMatches) {

    double throughput() {
        return seconds > 0 ? operations / seconds : 0;
    }

    long count(Outcome.Kind kind) {
        return outcomes.getOrDefault(kind, 0L);
    }

    /** Attempts that failed with a serialization failure, per attempt made. */
    double serializationFailureRate() {
        return attempts == 0 ? 0 : (double) serializationFailedAttempts / attempts;
    }
}
