package dev.endure.delivery;

/**
 * What a {@link DeliveryWorker} knows about its own trouble, for a readiness probe and metrics.
 *
 * @param storeReachable false while a write to the store (a result, a release, a lease renewal) keeps failing
 * @param claimLoopFailing true once the claim loop has failed {@link DeliveryWorker#CLAIM_FAILURES_BEFORE_FAILING} polls in a row
 * @param problem what is wrong, in words, or null when healthy
 * @param claimFailures claim polls that failed, since start
 * @param storeWriteRetries writes to the store that failed and were retried, since start
 * @param leaseRenewalFailures heartbeats that could not renew the leases of the deliveries in flight, since start
 * @param preparationFailures attempts that failed before reaching the endpoint (bad URL, policy, signing), since start
 */
public record WorkerHealth(boolean storeReachable, boolean claimLoopFailing, String problem, long claimFailures,
        long storeWriteRetries, long leaseRenewalFailures, long preparationFailures) {

    /** True when the worker can claim and record: what {@code /health/ready} asks. */
    public boolean healthy() {
        return storeReachable && !claimLoopFailing;
    }
}
