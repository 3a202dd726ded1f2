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
 * both leave the window after it. The rule also holds for every span of one to two windows that ends now
 * (the look-back): otherwise the retries funded by the calls just before an outage and those funded
 * by its first window's calls would both land within one window. So over any span of a window or longer a
 * dead downstream sees at most {@code 1 + maxRetryRatio} times the calls (or the floor); a whole outage
 * sees at most that plus what the calls of the window before it funded. They are kept in time buckets of a
 * tenth of the window (two windows of them), each an
 * {@link AtomicLongArray} slot packing the bucket's epoch with its count, so an update is one CAS and no
 * count is lost when a bucket is recycled. A retry withdraws first and checks after, returning the token
 * if it overdrew: concurrent retries can be refused a little early, never admitted beyond the budget.
 */
public final class RetryBudget implements RetryGate {

    /** Buckets per window. */
    static final int BUCKETS = 10;
    /** Buckets kept: the window and the one before it, for the look-back (see {@link #overrun}). */
    private static final int SLOTS = 2 * BUCKETS;
    private static final int COUNT_BITS = 32;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

    private final RetryBudgetPolicy policy;
    private final Clock clock;
    private final long bucketNanos;
    private final long origin;
    /** Per bucket: epoch in the high 32 bits, count in the low 32. */
    private final AtomicLongArray deposits = new AtomicLongArray(SLOTS);
    private final AtomicLongArray withdrawals = new AtomicLongArray(SLOTS);
    private final long floor;
    private final LongAdder calls = new LongAdder();
    private final LongAdder retriesAllowed = new LongAdder();
    private final LongAdder retriesRejected = new LongAdder();
    private final LongAdder decidedAlone = new LongAdder();
    /** How long a cluster view is trusted; 0 for a budget that is not shared. */
    private final long staleNanos;
    private volatile ClusterView view;
    /** The overrun in the counts being published; only the sync thread reads and writes it. */
    private long overrunBeingPublished;
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

    /** True for a budget made by {@link #shared}, whether or not its cluster view is fresh now. */
    public boolean isShared() {
        return sharing != null;
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
        long deposited = sum(deposits, epoch);
        long withdrawn = sum(withdrawals, epoch);
        long overrun = overrun(epoch, deposited, withdrawn);
        overrunBeingPublished = overrun;
        return new BudgetStore.Counts(deposited, withdrawn + overrun, 0);
    }

    /** A new cluster view: takes this instance's share of what is left and answers it, to be published as reserved. */
    private long onSync(BudgetStore.Sync sync) {
        ClusterView next = ClusterView.at(sync, overrunBeingPublished, policy.maxRetryRatio(), floor, clock.nanoTime());
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
        if (spent(epoch) <= allowed(epoch)) {
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
        return Math.max(0, allowed(epoch) - spent(epoch));
    }

    /** The retries in the window, plus what the window before overran (see {@link #overrun}). */
    private long spent(long epoch) {
        long withdrawn = sum(withdrawals, epoch);
        long overrun = overrun(epoch, sum(deposits, epoch), withdrawn);
        ClusterView current = view;
        if (current != null && clock.nanoTime() - current.receivedAtNanos() <= staleNanos) {
            // The others counted the overrun published at the sync as spent: one that shrank since must not
            // turn into retries here before the next sync says so.
            overrun = Math.max(overrun, current.overrunPublished());
        }
        return withdrawn + overrun;
    }

    /**
     * How many retries the window before this one still owes. The rule holds for every span that ends now
     * and is one to two windows long, not only for the window: retries in the span at most the ratio of its
     * calls, or the floor over its length. Without it the retries a dead downstream sees come in bursts: the
     * window's whole allowance (funded by the calls made before the outage) at once, then again when those
     * retries leave the window, so an outage a little over one window long saw twice the ratio (issue 16:
     * 1.18× on a 10.5 s outage, 10 %, 10 s window). With it, any span of at least a window sees at most the
     * ratio, and the excess of a whole outage is bounded by what the calls just before it funded. A shared
     * budget uses its share of the floor here, so that an instance's overrun is what it spent beyond its own
     * part; it publishes the overrun with its retries.
     */
    private long overrun(long epoch, long windowDeposits, long windowWithdrawals) {
        double ratio = policy.maxRetryRatio();
        long floorHere = floorShare();
        long inWindow = ClusterView.allowed(windowDeposits, ratio, floorHere) - windowWithdrawals;
        long tightest = inWindow;
        long spanDeposits = windowDeposits;
        long spanWithdrawals = windowWithdrawals;
        for (int age = BUCKETS; age < SLOTS && age <= epoch; age++) {
            spanDeposits += count(deposits, epoch - age);
            spanWithdrawals += count(withdrawals, epoch - age);
            long spanFloor = floorHere * (age + 1) / BUCKETS;
            tightest = Math.min(tightest, ClusterView.allowed(spanDeposits, ratio, spanFloor) - spanWithdrawals);
        }
        return inWindow - tightest;
    }

    /** The floor this instance answers for: all of it alone, its even share while it shares a fresh view. */
    private long floorShare() {
        ClusterView current = view;
        if (current != null && clock.nanoTime() - current.receivedAtNanos() <= staleNanos) {
            return (long) Math.ceil(floor / (double) (current.sync().otherInstances() + 1));
        }
        return floor;
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
        int index = (int) (epoch % SLOTS);
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

    /** The count of the bucket of {@code bucketEpoch}, 0 if its slot has moved on. */
    private static long count(AtomicLongArray buckets, long bucketEpoch) {
        long packed = buckets.get((int) (bucketEpoch % SLOTS));
        return packed >>> COUNT_BITS == bucketEpoch ? packed & COUNT_MASK : 0;
    }

    /** The tokens of the buckets still inside the window. */
    private static long sum(AtomicLongArray buckets, long epoch) {
        long total = 0;
        for (int i = 0; i < SLOTS; i++) {
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
