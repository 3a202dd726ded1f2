package dev.endure.budget;

import dev.endure.Cancellable;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Where the instances of a service pool their retry budgets, so that the ratio and the floor bound the
 * retries of the whole cluster rather than of each process (N processes with a per-process floor of F
 * retries a second let a dead downstream see N × F). See {@link RetryBudget#shared}.
 *
 * <p>A store syncs in the background: every sync it hands each shared budget the other live instances'
 * counts and publishes this instance's. A budget decides from the last view it
 * received and never waits for the store; when no view arrived for {@link #staleAfter()} (the store is
 * unreachable or slow) it falls back to deciding alone, as an unshared budget.
 *
 * <p>Implementation: {@code JdbcRetryBudgetStore} in {@code dev.endure.budget.store} (PostgreSQL).
 */
public interface BudgetStore extends AutoCloseable {

    /**
     * Starts sharing budget {@code name} for one instance. Every sync the store reads the other live
     * instances' rows, takes this instance's counts from {@code local}, hands both to {@code onSync} and
     * publishes the counts with the retries {@code onSync} answered it reserved until the next sync, which
     * the other instances then count as spent. Reserving is what keeps instances that sync one after the
     * other from each spending what the cluster has left.
     *
     * @return a handle that stops sharing (the instance's row then ages out of the others' views)
     */
    Cancellable share(String name, Supplier<Counts> local, ToLongFunction<Sync> onSync);

    /** How long a budget trusts the last view it received before it falls back to its local counts. */
    Duration staleAfter();

    /** Stops syncing; budgets fall back to their local counts once their view is stale. */
    @Override
    default void close() {}

    /**
     * Calls (deposits) and retries (withdrawals) inside the budget's window, and the retries an instance
     * reserved until its next sync.
     */
    record Counts(long deposits, long withdrawals, long reserved) {
        public static final Counts NONE = new Counts(0, 0, 0);

        public Counts plus(Counts other) {
            return new Counts(deposits + other.deposits, withdrawals + other.withdrawals, reserved + other.reserved);
        }

        /** Retries made or reserved. */
        public long committed() {
            return withdrawals + reserved;
        }
    }

    /**
     * One sync's result for one instance.
     *
     * @param published this instance's counts, as the store publishes them
     * @param others the sum over every other instance whose counts are fresh (published within {@link #staleAfter()})
     * @param otherInstances how many those are
     */
    record Sync(Counts published, Counts others, int otherInstances) {}
}
