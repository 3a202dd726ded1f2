package dev.endure.budget;

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

    private RetryBudget(RetryBudgetPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
        this.bucketNanos = Math.max(1, policy.window().toNanos() / BUCKETS);
        this.origin = clock.nanoTime();
        this.floor = policy.floorPerWindow();
    }

    /** A budget on the system clock. */
    public static RetryBudget of(RetryBudgetPolicy policy) {
        return of(policy, Clock.system());
    }

    /** A budget on {@code clock} (a {@link dev.endure.VirtualTime} in tests). */
    public static RetryBudget of(RetryBudgetPolicy policy, Clock clock) {
        return new RetryBudget(Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(clock, "clock"));
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
        // The floor is a minimum, not an addition: added on top it dominated at ordinary rates (issue 16).
        return Math.max(floor, (long) Math.floor(policy.maxRetryRatio() * sum(deposits, epoch)));
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
        return "RetryBudget[" + policy + ", " + available() + " available]";
    }
}
