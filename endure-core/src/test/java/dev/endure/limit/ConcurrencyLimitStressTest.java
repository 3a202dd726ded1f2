package dev.endure.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** Many threads against one limit; the invariants are checked at the end (STYLE.md: concurrency claims). */
class ConcurrencyLimitStressTest {

    private static final int THREADS = 16;
    private static final int CALLS_PER_THREAD = 5_000;

    @Test
    void aFixedLimitNeverHasMoreThanItsLimitInFlightAndEveryWaiterIsServedOrRejected() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("stressed", 3).maxWait(Duration.ofMinutes(5)).build());
        AtomicInteger running = new AtomicInteger();
        LongAccumulator mostRunning = new LongAccumulator(Math::max, 0);
        LongAdder completed = new LongAdder();

        runConcurrently(() -> {
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                long permit = limit.acquire();
                mostRunning.accumulate(running.incrementAndGet());
                Thread.yield(); // stay "in the call" while other threads run
                running.decrementAndGet(); // before releasing: releasing frees the slot
                limit.release(permit);
                completed.increment();
            }
        });

        assertThat(mostRunning.get()).isEqualTo(3);
        assertThat(completed.sum()).as("with a long max wait every call gets a slot").isEqualTo((long) THREADS * CALLS_PER_THREAD);
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
        assertThat(limit.rejections()).isZero();
    }

    @Test
    void anExclusiveCallNeverOverlapsAnotherAndNoSlotIsLostAroundIt() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("stressed", 4).maxWait(Duration.ofMinutes(5)).build());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger runningAlone = new AtomicInteger();
        LongAccumulator mostRunning = new LongAccumulator(Math::max, 0);
        LongAdder overlaps = new LongAdder();
        LongAdder exclusiveCalls = new LongAdder();

        runConcurrently(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < CALLS_PER_THREAD / 5; i++) {
                if (random.nextInt(50) == 0) {
                    long permit = limit.acquireExclusive();
                    if (running.get() != 0 || runningAlone.incrementAndGet() != 1) {
                        overlaps.increment();
                    }
                    Thread.yield();
                    runningAlone.decrementAndGet();
                    limit.releaseExclusive(permit, Verdict.success());
                    exclusiveCalls.increment();
                } else {
                    long permit = limit.acquire();
                    mostRunning.accumulate(running.incrementAndGet());
                    if (runningAlone.get() != 0) {
                        overlaps.increment();
                    }
                    Thread.yield();
                    running.decrementAndGet();
                    limit.release(permit);
                }
            }
        });

        assertThat(overlaps.sum()).as("calls that ran beside an exclusive one").isZero();
        assertThat(mostRunning.get()).isLessThanOrEqualTo(4);
        assertThat(exclusiveCalls.sum()).isPositive();
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
        assertThat(limit.rejections()).isZero();
    }

    @Test
    void anAdaptiveLimitUnderMixedSignalsStaysWithinItsBoundsAndLosesNoSlot() throws Exception {
        VirtualTime time = new VirtualTime();
        ConcurrencyLimitPolicy policy = ConcurrencyLimitPolicy.adaptive("stressed").initialLimit(8).minLimit(2).maxLimit(12)
                .minWindowSamples(4).build();
        ConcurrencyLimit limit = ConcurrencyLimit.of(policy, time);
        AtomicInteger running = new AtomicInteger();
        LongAccumulator mostRunning = new LongAccumulator(Math::max, 0);
        LongAccumulator lowestLimit = new LongAccumulator(Math::min, Long.MAX_VALUE);
        LongAccumulator highestLimit = new LongAccumulator(Math::max, 0);
        LongAdder admitted = new LongAdder();
        LongAdder rejected = new LongAdder();

        runConcurrently(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                long permit;
                try {
                    permit = limit.acquire();
                } catch (ConcurrencyLimitExceededException full) {
                    rejected.increment();
                    continue;
                }
                admitted.increment();
                mostRunning.accumulate(running.incrementAndGet());
                time.advance(Duration.ofMillis(random.nextInt(1, 4)));
                running.decrementAndGet();
                int dice = random.nextInt(100);
                limit.release(permit, dice < 5 ? Verdict.retry("HTTP 503") : dice < 8 ? Verdict.fail("HTTP 400") : Verdict.success());
                lowestLimit.accumulate(limit.limit());
                highestLimit.accumulate(limit.limit());
            }
        });

        assertThat(mostRunning.get()).as("never more in flight than the highest limit allowed").isLessThanOrEqualTo(12);
        assertThat(lowestLimit.get()).isGreaterThanOrEqualTo(2);
        assertThat(highestLimit.get()).isLessThanOrEqualTo(12);
        assertThat(admitted.sum() + rejected.sum()).isEqualTo((long) THREADS * CALLS_PER_THREAD);
        assertThat(limit.rejections()).isEqualTo(rejected.sum());
        assertThat(limit.inFlight()).as("every permit came back").isZero();
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void waitersAndLeaversRacingLoseNoSlotAndNoWakeUp() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("handoff", 1).maxWait(Duration.ofMinutes(5)).build());
        AtomicInteger running = new AtomicInteger();
        LongAccumulator mostRunning = new LongAccumulator(Math::max, 0);

        runConcurrently(() -> {
            for (int i = 0; i < CALLS_PER_THREAD / 5; i++) {
                long permit = limit.acquire();
                mostRunning.accumulate(running.incrementAndGet());
                running.decrementAndGet();
                limit.release(permit);
            }
        });

        assertThat(mostRunning.get()).isEqualTo(1);
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
    }

    /**
     * A leaving call frees its slot with a plain store and then reads the gate; a processor may do the read first,
     * so a call leaving just as another queues can see the gate still open and hand nothing over, its freed slot not
     * yet visible when the new waiter looked. Simulated by freeing the slot behind the limit's back right before the
     * waiter parks: the waiter must still get it, long before its max wait (before the fix it slept all 5 minutes).
     */
    @Test
    void aSlotFreedUnseenAsACallerQueuedStillReachesIt() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("late", 1).maxWait(Duration.ofMinutes(5)).build());
        long held = limit.acquire();
        java.lang.reflect.Field slotsField = ConcurrencyLimit.class.getDeclaredField("slots");
        slotsField.setAccessible(true);
        dev.endure.limit.internal.SlotTable slots = (dev.endure.limit.internal.SlotTable) slotsField.get(limit);
        limit.beforeParking = () -> slots.free((int) held); // freed, and nobody told
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Long> granted = pool.submit(limit::acquire);

            long permit = granted.get(30, TimeUnit.SECONDS);
            assertThat(limit.inFlight()).isEqualTo(1);
            assertThat(limit.waiting()).isZero();
            limit.release(permit);
            assertThat(limit.inFlight()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    private static void runConcurrently(Runnable body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
