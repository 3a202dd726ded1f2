package dev.endure.budget;

/**
 * The last cluster-wide view of a shared budget, and this instance's part of it. At a sync the cluster
 * may still take {@code left = max(floor, ratio × cluster calls) − retries made here − retries made or
 * reserved by the others}; this instance reserves part of {@code left} until its next sync and publishes
 * that, so an instance syncing after it counts it as spent. Instances that sync one after the other
 * therefore never hand out more than is left. The part is the instance's slice of the whole allowance less
 * what it spent, capped by {@code left}: its share of the cluster's calls, or an even share when that is
 * more (before the first calls, or while its calls are not published yet). Slices are rounded up, so a
 * small floor split N ways still lets each instance retry; the cap keeps the sum within the allowance. A
 * quiet instance's unspent slice comes back at its next sync. Calls made here after the sync raise the
 * cluster's allowance, and that rise is this
 * instance's alone; the rule is convex in the calls, so the instances' rises never add up to more than
 * the cluster's.
 *
 * <p>The window slides: calls that allowed early retries expire before those retries do, so the cluster can
 * be over its allowance at a sync. Then new calls first pay that deficit back before they allow a retry.
 *
 * @param overrunPublished the part of the published withdrawals that was this instance's overrun (see RetryBudget)
 * @param reserved the retries this instance reserved at the sync (its share of what was left)
 * @param deficit how far the cluster was over its allowance at the sync
 */
record ClusterView(BudgetStore.Sync sync, long overrunPublished, long reserved, long deficit, long receivedAtNanos) {

    /** Takes this instance's share of what the cluster has left. */
    static ClusterView at(BudgetStore.Sync sync, long overrunPublished, double ratio, long floor, long nowNanos) {
        long clusterDeposits = sync.published().deposits() + sync.others().deposits();
        long allowed = allowed(clusterDeposits, ratio, floor);
        long made = sync.published().withdrawals();
        long committed = made + sync.others().committed();
        long left = Math.max(0, allowed - committed);
        long byCalls = clusterDeposits == 0 ? 0 : (long) Math.ceil(allowed * (double) sync.published().deposits() / clusterDeposits);
        long even = (long) Math.ceil(allowed / (double) (sync.otherInstances() + 1));
        return new ClusterView(sync, overrunPublished, Math.max(0, Math.min(left, Math.max(byCalls, even) - made)), Math.max(0, committed - allowed),
                nowNanos);
    }

    /** The most retries this instance may have in its window now, given its calls in the window now. */
    long localLimit(long depositsNow, double ratio, long floor) {
        long published = sync.published().deposits();
        long clusterDeposits = published + sync.others().deposits();
        long callsSinceSync = Math.max(0, depositsNow - published);
        long rise = allowed(clusterDeposits + callsSinceSync, ratio, floor) - allowed(clusterDeposits, ratio, floor);
        return sync.published().withdrawals() + reserved + Math.max(0, rise - deficit);
    }

    /** The budget's rule, for any count of calls: the ratio of the calls, or the floor when that is higher. */
    static long allowed(long deposits, double ratio, long floor) {
        return Math.max(floor, (long) Math.floor(ratio * deposits));
    }
}
