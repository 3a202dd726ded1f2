package dev.endure.budget;

import dev.endure.Cancellable;
import dev.endure.Clock;
import dev.endure.retry.RetryGate;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A retry budget shared by every call to one downstream: over the last {@link RetryBudgetPolicy#window()},
 * retries may number at most {@link RetryBudgetPolicy#maxRetryRatio()} of the calls made, or
 * {@link RetryBudgetPolicy#minRetriesPerSecond()} × the window when that floor is higher. So the load a dead
 * downstream receives is at most {@code 1 + max(maxRetryRatio, minRetriesPerSecond / calls per second)}
 * times the calls: 1.1× with the defaults from 10 calls a second up. When it is spent the retry is refused
 * and the caller sees the original failure; the {@link dev.endure.retry.Retrier} counts that call as
 * budget-rejected.
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.of(RetryBudgetPolicy.named("billing"));
 * Retrier<Invoice> retrier = Retrier.builder(policy).gate(budget).build();
 * }</pre>
 *
 * <p>{@link #shared} pools the budget of every instance through a {@link BudgetStore}: the ratio and the
 * floor then bound the whole cluster's retries, each instance spending an even share of what the cluster
 * had left at the last sync, plus what its own calls since then add. Deciding never waits for the store; when the store
 * has not answered for {@link BudgetStore#staleAfter()} the budget decides alone, as {@link #of} does.
 *
 * <p>How (after Finagle's TTL'd deposits): each call deposits one token, each retry withdraws one, and
 * both expire after the window. They are kept in time buckets of a tenth of the window, each an
 * {@link AtomicLongArray} slot packing the bucket's epoch with its count, so an update is one CAS and no
 * count is lost when a bucket is recycled. A retry withdraws first and checks after, returning the token
 * if it overdrew: concurrent retries can be refused a little early, never admitted beyond the budget.
 */
public final class RetryBudget implements RetryGate {

    static final int BUCKETS = 10;
    private static final int COUNT_BITS = 32;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

    private final RetryBudgetPolicy policy;
    private final Clock clock;
    private final long bucketNanos;
    private final long origin;
    /** Per bucket: epoch in the high 32 bits, count in the low 32. */
    private final AtomicLongArray deposits = new AtomicLongArray(BUCKETS);
    private final AtomicLongArray withdrawals = new AtomicLongArray(BUCKETS);
    private final long floor;
    private final LongAdder calls = new LongAdder();
    private final LongAdder retriesAllowed = new LongAdder();
    private final LongAdder retriesRejected = new LongAdder();
    private final LongAdder decidedAlone = new LongAdder();
    /** How long a cluster view is trusted; 0 for a budget that is not shared. */
    private final long staleNanos;
    private volatile ClusterView view;
    private final Cancellable sharing;

    private RetryBudget(RetryBudgetPolicy policy, Clock clock, BudgetStore store) {
        this.policy = policy;
        this.clock = clock;
        this.bucketNanos = Math.max(1, policy.window().toNanos() / BUCKETS);
        this.origin = clock.nanoTime();
        this.floor = policy.floorPerWindow();
        this.staleNanos = store == null ? 0 : store.staleAfter().toNanos();
        this.sharing = store == null ? null : store.share(policy.name(), this::localCounts, this::onSync);
    }

    /** A budget on the system clock. */
    public static RetryBudget of(RetryBudgetPolicy policy) {
        return of(policy, Clock.system());
    }

    /** A budget on {@code clock} (a {@link dev.endure.VirtualTime} in tests). */
    public static RetryBudget of(RetryBudgetPolicy policy, Clock clock) {
        return new RetryBudget(Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(clock, "clock"), null);
    }

    /** A budget pooled with every other instance's budget of the same name in {@code store}, on the system clock. */
    public static RetryBudget shared(RetryBudgetPolicy policy, BudgetStore store) {
        return shared(policy, store, Clock.system());
    }

    /** As {@link #shared(RetryBudgetPolicy, BudgetStore)}, on {@code clock}. */
    public static RetryBudget shared(RetryBudgetPolicy policy, BudgetStore store, Clock clock) {
        return new RetryBudget(Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(clock, "clock"),
                Objects.requireNonNull(store, "store"));
    }

    /** True while this budget decides by a fresh cluster view; false when unshared or fallen back to local counts. */
    public boolean isSharing() {
        ClusterView current = view;
        return current != null && clock.nanoTime() - current.receivedAtNanos() <= staleNanos;
    }

    /** The other instances in the last cluster view (0 when not sharing). */
    public int otherInstances() {
        return isSharing() ? view.sync().otherInstances() : 0;
    }

    /**
     * For a shared budget: how many times it decided from its local counts alone because it had no fresh
     * cluster view (before the first sync, or while the store was unreachable or slow).
     */
    public long decisionsWithoutClusterView() {
        return decidedAlone.sum();
    }

    /** Stops sharing; from then on this budget decides alone. */
    public void stopSharing() {
        if (sharing != null) {
            sharing.cancel();
            view = null;
        }
    }

    /** This instance's calls and retries inside the window, as published to a {@link BudgetStore}. */
    private BudgetStore.Counts localCounts() {
        long epoch = epochNow();
        return new BudgetStore.Counts(sum(deposits, epoch), sum(withdrawals, epoch), 0);
    }

    /** A new cluster view: takes this instance's share of what is left and answers it, to be published as reserved. */
    private long onSync(BudgetStore.Sync sync) {
        ClusterView next = ClusterView.at(sync, policy.maxRetryRatio(), floor, clock.nanoTime());
        view = next;
        return next.reserved();
    }

    public RetryBudgetPolicy policy() {
        return policy;
    }

    public String name() {
        return policy.name();
    }

    /** A call started: deposit one token. */
    @Override
    public void onCall() {
        calls.increment();
        add(deposits, epochNow(), 1);
    }

    /** Withdraws one retry if the budget allows it; never blocks. */
    @Override
    public boolean tryAcquireRetry() {
        long epoch = epochNow();
        add(withdrawals, epoch, 1);
        if (sum(withdrawals, epoch) <= allowed(epoch)) {
            retriesAllowed.increment();
            return true;
        }
        add(withdrawals, epoch, -1);
        retriesRejected.increment();
        return false;
    }

    /** Retries the budget would allow right now. */
    public long available() {
        long epoch = epochNow();
        return Math.max(0, allowed(epoch) - sum(withdrawals, epoch));
    }

    private long allowed(long epoch) {
        long deposited = sum(deposits, epoch);
        ClusterView current = view;
        if (current != null && clock.nanoTime() - current.receivedAtNanos() <= staleNanos) {
            return current.localLimit(deposited, policy.maxRetryRatio(), floor);
        }
        if (sharing != null) {
            decidedAlone.increment();
        }
        // The floor is a minimum, not an addition: added on top it dominated at ordinary rates (issue 16).
        return ClusterView.allowed(deposited, policy.maxRetryRatio(), floor);
    }

    private long epochNow() {
        // Epochs count from this budget's birth so that 32 bits last 136 years of one-second buckets.
        return ((clock.nanoTime() - origin) / bucketNanos) & COUNT_MASK;
    }

    /** Adds {@code delta} to the current bucket, recycling it first if it still holds an expired epoch. */
    private static void add(AtomicLongArray buckets, long epoch, int delta) {
        int index = (int) (epoch % BUCKETS);
        while (true) {
            long packed = buckets.get(index);
            long bucketEpoch = packed >>> COUNT_BITS;
            long count = packed & COUNT_MASK;
            long next;
            if (bucketEpoch == epoch) {
                next = (epoch << COUNT_BITS) | Math.min(COUNT_MASK, Math.max(0, count + delta));
            } else if (delta > 0) {
                next = (epoch << COUNT_BITS) | delta;
            } else {
                return; // taking back a token from a bucket that has since expired: nothing to undo
            }
            if (buckets.compareAndSet(index, packed, next)) {
                return;
            }
        }
    }

    /** The tokens of the buckets still inside the window. */
    private static long sum(AtomicLongArray buckets, long epoch) {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long packed = buckets.get(i);
            long age = epoch - (packed >>> COUNT_BITS);
            if (age >= 0 && age < BUCKETS) {
                total += packed & COUNT_MASK;
            }
        }
        return total;
    }

    /** Calls, allowed and refused retries since the budget was created. */
    public Stats stats() {
        return new Stats(policy.name(), calls.sum(), retriesAllowed.sum(), retriesRejected.sum(), available());
    }

    /**
     * Counters of a budget.
     *
     * @param retriesRejected retries refused: the callers saw their original failure
     * @param available retries the budget would allow right now
     */
    public record Stats(String name, long calls, long retriesAllowed, long retriesRejected, long available) {}

    @Override
    public String toString() {
        return "RetryBudget[" + policy + ", " + available() + " available" + (isSharing() ? ", shared with "
                + otherInstances() + " other instances" : "") + "]";
    }
}
