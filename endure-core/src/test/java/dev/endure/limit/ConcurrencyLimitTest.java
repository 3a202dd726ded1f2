package dev.endure.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.endure.VirtualTime;
import dev.endure.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limit's state machine, on virtual time: slots, waiting, rejection, and the adaptive window rules. */
class ConcurrencyLimitTest {

    private final VirtualTime time = new VirtualTime();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void fixedLimitRejectsTheCallBeyondMaxConcurrentAndNamesTheLimit() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("ocr", 2).build(), time);
        long first = limit.acquire();
        limit.acquire();

        assertThatThrownBy(limit::acquire)
                .isInstanceOf(ConcurrencyLimitExceededException.class)
                .hasMessage("concurrency limit 'ocr' is full: 2 of 2 calls in flight (no wait configured)")
                .satisfies(e -> {
                    ConcurrencyLimitExceededException rejected = (ConcurrencyLimitExceededException) e;
                    assertThat(rejected.limitName()).isEqualTo("ocr");
                    assertThat(rejected.limit()).isEqualTo(2);
                    assertThat(rejected.retryAfter()).isEmpty();
                });
        assertThat(limit.rejections()).isEqualTo(1);

        limit.release(first);
        limit.acquire();
        assertThat(limit.inFlight()).isEqualTo(2);
    }

    @Test
    void aWaitingCallerGetsTheSlotOfALeavingCallInArrivalOrder() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("db", 1).maxWait(Duration.ofMinutes(1)).build(), time);
        long held = limit.acquire();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            long permit = limit.acquire();
            order.add("first");
            limit.release(permit);
        }, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 1);
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            long permit = limit.acquire();
            order.add("second");
            limit.release(permit);
        }, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 2);

        limit.release(held);

        CompletableFuture.allOf(first, second).get();
        assertThat(order).containsExactly("first", "second");
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void anExclusiveCallWaitsForEveryCallInFlightAndHoldsBackLaterArrivalsUntilItLeaves() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("db", 3).maxWait(Duration.ofMinutes(1)).build(), time);
        long first = limit.acquire();
        long second = limit.acquire();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> alone = CompletableFuture.supplyAsync(() -> {
            long permit = limit.acquireExclusive();
            order.add("alone with " + limit.inFlight() + " in flight");
            return permit;
        }, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 1);
        CompletableFuture<Void> later = CompletableFuture.runAsync(() -> {
            long permit = limit.acquire(); // a slot is free, but the exclusive caller is ahead in line
            order.add("later");
            limit.release(permit);
        }, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 2);

        limit.release(first);
        assertThat(limit.waiting()).as("one call still in flight: the exclusive caller keeps waiting").isEqualTo(2);
        limit.release(second);
        long exclusive = alone.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(limit.inFlight()).isEqualTo(1);
        assertThat(limit.tryAcquire()).as("nobody enters beside an exclusive call").isEqualTo(ConcurrencyLimit.NO_PERMIT);
        assertThat(limit.toString()).contains("1 (exclusive) of 3 in flight");

        limit.releaseExclusive(exclusive, Verdict.success());
        later.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(order).containsExactly("alone with 1 in flight", "later");
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void anExclusiveCallerGivingUpLetsTheCallersBehindItIn() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("db", 2).maxWait(Duration.ofMillis(100)).build(), time);
        limit.acquire();
        CompletableFuture<Long> alone = CompletableFuture.supplyAsync(limit::acquireExclusive, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 1);
        time.advance(Duration.ofMillis(50));
        CompletableFuture<Long> behind = CompletableFuture.supplyAsync(limit::acquire, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 2);

        time.advance(Duration.ofMillis(50)); // the exclusive caller's max wait is up, not the one behind it

        assertThatThrownBy(() -> alone.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
        behind.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(limit.inFlight()).isEqualTo(2);
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void anExclusiveCallIsNoSampleForAnAdaptiveLimit() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(4).minWindowSamples(1));
        for (int call = 0; call < 10; call++) {
            long permit = limit.acquireExclusive();
            time.advance(Duration.ofSeconds(1));
            limit.releaseExclusive(permit, Verdict.retry("SQLState 40001"));
        }
        assertThat(limit.limit()).isEqualTo(4);
        assertThat(limit.baselineLatency()).isEmpty();
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void aWaitingCallerIsRejectedOnceMaxWaitHasPassedOnTheLimitsClock() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("db", 1).maxWait(Duration.ofMillis(100)).build(), time);
        limit.acquire();
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(limit::acquire, threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.waiting() == 1);
        time.advance(Duration.ofMillis(99));
        assertThat(waiter).isNotDone();

        time.advance(Duration.ofMillis(1));

        await().atMost(Duration.ofSeconds(10)).until(waiter::isDone);
        assertThat(waiter).isCompletedExceptionally();
        assertThatThrownBy(waiter::join).hasCauseInstanceOf(ConcurrencyLimitExceededException.class)
                .hasMessageContaining("concurrency limit 'db' is full: 1 of 1 calls in flight, waited 100 ms (maxWait 100 ms)");
        assertThat(limit.waiting()).isZero();
        assertThat(limit.inFlight()).isEqualTo(1);
    }

    @Test
    void anAdaptiveLimitGrowsByOneAWindowWhileLatencyStaysAtTheBaselineAndTheLimitIsUsed() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("api").initialLimit(4).maxLimit(6).minWindowSamples(4));

        fullWindow(limit, Duration.ofMillis(10), Verdict.success());
        assertThat(limit.limit()).isEqualTo(5);
        fullWindow(limit, Duration.ofMillis(10), Verdict.success());
        assertThat(limit.limit()).isEqualTo(6);
        fullWindow(limit, Duration.ofMillis(10), Verdict.success());
        assertThat(limit.limit()).as("never above maxLimit").isEqualTo(6);
    }

    @Test
    void anUnusedAdaptiveLimitDoesNotGrow() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("api").initialLimit(4).minWindowSamples(4));
        for (int window = 0; window < 10; window++) {
            for (int call = 0; call < 4; call++) { // one call at a time: the limit of 4 is never reached
                long permit = limit.acquire();
                time.advance(Duration.ofMillis(10));
                limit.release(permit);
            }
        }
        assertThat(limit.limit()).isEqualTo(4);
    }

    @Test
    void overloadSignalsShrinkTheLimitByAtMostTheDecreaseFactorAWindowDownToMinLimit() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(20).minLimit(3).minWindowSamples(4));

        fullWindow(limit, Duration.ofMillis(10), Verdict.retry("SQLState 40001"));
        assertThat(limit.limit()).isEqualTo(18);
        for (int window = 0; window < 40; window++) {
            fullWindow(limit, Duration.ofMillis(10), Verdict.retry("HTTP 503"));
        }
        assertThat(limit.limit()).isEqualTo(3);
    }

    @Test
    void overloadsWithinTheToleranceHoldTheLimitAndMoreShrinkIt() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(10).overloadTolerance(0.2).minWindowSamples(1));

        window(limit, 8, 2); // 20 % conflicted: tolerated, but too many to grow
        assertThat(limit.limit()).isEqualTo(10);
        window(limit, 7, 3); // 30 %: shrink
        assertThat(limit.limit()).isEqualTo(9);
        window(limit, 9, 0); // none: grow
        assertThat(limit.limit()).isEqualTo(10);
        window(limit, 9, 1); // 10 %, half the tolerance: rare enough to keep probing
        assertThat(limit.limit()).isEqualTo(11);
    }

    @Test
    void overloadJustAboveTheToleranceTrimsTheLimitInProportionAndAStormCutsItByTheDecreaseFactor() {
        // The transaction runner's shape: halve at most, tolerate 10 %.
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(20).maxLimit(20).decreaseFactor(0.5)
                .overloadTolerance(0.1).minWindowSamples(1));

        window(limit, 17, 3); // 15 %: 5 points over the tolerance, an unlucky window rather than a storm
        assertThat(limit.limit()).as("20 × (1 - 0.05)").isEqualTo(19);
        window(limit, 7, 12); // 63 %: a storm
        assertThat(limit.limit()).as("19 × 0.5, the bound").isEqualTo(9);
    }

    /** One window of successes then overloads, one call at a time but with the limit reached once. */
    private void window(ConcurrencyLimit limit, int successes, int overloads) {
        long[] permits = new long[limit.limit()];
        for (int i = 0; i < permits.length; i++) {
            permits[i] = limit.acquire(); // fills the limit: the window counts as saturated
        }
        time.advance(Duration.ofMillis(10));
        for (int i = 0; i < permits.length; i++) {
            limit.release(permits[i], i < successes ? Verdict.success() : i < successes + overloads ? Verdict.retry() : Verdict.fail());
        }
    }

    @Test
    void permanentFailuresNeitherShrinkNorCountTowardsAWindow() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(8).minWindowSamples(4));
        for (int call = 0; call < 100; call++) {
            long permit = limit.acquire();
            time.advance(Duration.ofSeconds(1));
            limit.release(permit, Verdict.fail("HTTP 400"));
        }
        assertThat(limit.limit()).isEqualTo(8);
        assertThat(limit.baselineLatency()).isEmpty();
    }

    @Test
    void latencyQueueingAboveTheToleranceShrinksTheLimitAndTheBaselineNeverRises() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("api").initialLimit(10).minLimit(2).minWindowSamples(10));
        fullWindow(limit, Duration.ofMillis(10), Verdict.success());
        assertThat(limit.limit()).isEqualTo(11);

        fullWindow(limit, Duration.ofMillis(30), Verdict.success()); // smoothed 20 ms: ratio 2 > 1.5
        assertThat(limit.limit()).isEqualTo(9); // 11 × 0.9 = 9.9 (the bound), not 11 × 1.5 / 2
        assertThat(limit.baselineLatency()).contains(Duration.ofMillis(10));
        for (int window = 0; window < 5; window++) {
            fullWindow(limit, Duration.ofMillis(30), Verdict.success());
        }
        assertThat(limit.baselineLatency()).as("queueing must not drag the baseline up").contains(Duration.ofMillis(10));
        assertThat(limit.limit()).isLessThan(9);
    }

    @Test
    void atTheFloorTheBaselineIsRelearntSoASlowerDownstreamDoesNotPinTheLimitAtMinLimit() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("api").initialLimit(4).minLimit(2).minWindowSamples(4));
        fullWindow(limit, Duration.ofMillis(10), Verdict.success());
        for (int window = 0; window < 20 && limit.limit() > 2; window++) {
            fullWindow(limit, Duration.ofMillis(40), Verdict.success());
        }
        assertThat(limit.limit()).isEqualTo(2);
        fullWindow(limit, Duration.ofMillis(40), Verdict.success());
        assertThat(limit.baselineLatency()).hasValueSatisfying(
                baseline -> assertThat(baseline).isBetween(Duration.ofMillis(35), Duration.ofMillis(40)));

        for (int window = 0; window < 5; window++) {
            fullWindow(limit, Duration.ofMillis(40), Verdict.success());
        }
        assertThat(limit.limit()).as("grows again at the new baseline").isGreaterThan(4);
    }

    @Test
    void anAdaptiveRejectionHintsTheRecentLatency() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("api").initialLimit(2).maxLimit(2).minWindowSamples(2));
        fullWindow(limit, Duration.ofMillis(25), Verdict.success());
        limit.acquire();
        limit.acquire();
        assertThatThrownBy(limit::acquire).isInstanceOfSatisfying(ConcurrencyLimitExceededException.class,
                rejected -> assertThat(rejected.retryAfter()).contains(Duration.ofMillis(25)));
    }

    @Test
    void afterAShrinkNoNewCallEntersUntilTheCallsInFlightAreBelowTheNewLimit() {
        ConcurrencyLimit limit = adaptive(ConcurrencyLimitPolicy.adaptive("db").initialLimit(8).maxLimit(8).decreaseFactor(0.5)
                .minWindowSamples(1));
        long[] earlier = new long[8];
        for (int i = 0; i < earlier.length; i++) {
            earlier[i] = limit.acquire();
        }
        time.advance(Duration.ofMillis(10));
        for (int i = 0; i < 7; i++) {
            limit.release(earlier[i], Verdict.retry("SQLState 40001")); // 7 of the window's 8 samples
        }
        long[] running = new long[7];
        for (int i = 0; i < running.length; i++) {
            running[i] = limit.acquire();
        }
        // The 8th overload closes the window: a storm halves the limit to 4 while 7 calls still run, in slots
        // anywhere in 0..7.
        limit.release(earlier[7], Verdict.retry("SQLState 40001"));
        assertThat(limit.limit()).isEqualTo(4);
        assertThat(limit.inFlight()).isEqualTo(7);

        // Slots below 4 may be free, but 7 calls run: nobody new may enter until fewer than 4 do.
        for (int left = 0; left < 3; left++) {
            limit.release(running[left], Verdict.fail("a permanent failure: no sample"));
            assertThat(limit.tryAcquire()).as("%d of a limit of 4 in flight", limit.inFlight()).isEqualTo(ConcurrencyLimit.NO_PERMIT);
        }
        assertThat(limit.inFlight()).isEqualTo(4);
        limit.release(running[3], Verdict.fail());
        long slowest = limit.tryAcquire();
        assertThat(slowest).as("3 of 4 in flight: one may enter").isNotEqualTo(ConcurrencyLimit.NO_PERMIT);
        assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.NO_PERMIT);
        assertThat(limit.inFlight()).isEqualTo(4);

        for (int i = 4; i < running.length; i++) {
            limit.release(running[i], Verdict.fail());
        }
        limit.release(slowest, Verdict.fail());
        assertThat(limit.inFlight()).isZero();
        long[] again = new long[4];
        for (int i = 0; i < again.length; i++) {
            again[i] = limit.tryAcquire();
            assertThat(again[i]).as("with nothing in flight all 4 slots are free").isNotEqualTo(ConcurrencyLimit.NO_PERMIT);
        }
        assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.NO_PERMIT);
    }

    @Test
    void tryAcquireAnswersAtOnceWithoutCountingARejection() {
        ConcurrencyLimits perEndpoint = ConcurrencyLimits.of("webhooks", ConcurrencyLimitPolicy.fixed("endpoint", 1).maxWait(Duration.ofMinutes(1)).build(), time);
        ConcurrencyLimit slow = perEndpoint.forKey("ep_slow");
        long permit = slow.tryAcquire();
        assertThat(permit).isNotEqualTo(ConcurrencyLimit.NO_PERMIT);

        assertThat(slow.tryAcquire()).isEqualTo(ConcurrencyLimit.NO_PERMIT);
        assertThat(perEndpoint.forKey("ep_fast").tryAcquire()).as("another endpoint's limit is its own").isNotEqualTo(ConcurrencyLimit.NO_PERMIT);
        assertThat(slow.rejections()).isZero();
        assertThat(slow.name()).isEqualTo("webhooks@ep_slow");
        assertThat(perEndpoint.snapshot()).containsEntry("ep_slow", 1).containsEntry("ep_fast", 1);

        slow.release(permit);
        assertThat(slow.tryAcquire()).isNotEqualTo(ConcurrencyLimit.NO_PERMIT);
    }

    @Test
    void invalidPoliciesNameTheFieldAndTheLimit() {
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.fixed("ocr", 0).build())
                .hasMessage("maxConcurrent must be at least 1 (was 0) in concurrency limit 'ocr'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.fixed("ocr", 2_000_000).build())
                .hasMessage("maxConcurrent must be at most 1000000 (was 2000000) in concurrency limit 'ocr'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.adaptive("db").minLimit(5).maxLimit(4).build())
                .hasMessage("maxLimit must be at least minLimit 5 (was 4) in concurrency limit 'db'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.adaptive("db").initialLimit(500).build())
                .hasMessage("initialLimit must lie in minLimit..maxLimit 1..200 (was 500) in concurrency limit 'db'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.adaptive("db").decreaseFactor(1.0).build())
                .hasMessage("decreaseFactor must be in [0.5, 1) (was 1.0) in concurrency limit 'db'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.fixed("ocr", 2).maxWait(Duration.ofSeconds(-1)).build())
                .hasMessage("maxWait must not be negative (was PT-1S) in concurrency limit 'ocr'");
        assertThatThrownBy(() -> ConcurrencyLimitPolicy.fixed("ocr", 2).minLimit(1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("minLimit applies to an adaptive limit");
    }

    private ConcurrencyLimit adaptive(ConcurrencyLimitPolicy.Builder policy) {
        return ConcurrencyLimit.of(policy.build(), time);
    }

    /** Fills the limit, lets {@code latency} pass, and releases every call with {@code verdict}: one window or more. */
    private void fullWindow(ConcurrencyLimit limit, Duration latency, Verdict verdict) {
        int target = Math.max(limit.policy().minWindowSamples(), limit.limit());
        int done = 0;
        while (done < target) {
            int batch = Math.min(limit.limit(), target - done);
            long[] permits = new long[batch];
            for (int i = 0; i < batch; i++) {
                permits[i] = limit.acquire();
            }
            time.advance(latency);
            for (long permit : permits) {
                limit.release(permit, verdict);
            }
            done += batch;
        }
    }
}
