package dev.endure.breaker;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Many threads hammer one breaker; invariants are checked at the end (STYLE.md: concurrency claims). */
class CircuitBreakerStressTest {

    private static final int THREADS = 16;
    private static final int CALLS_PER_THREAD = 20_000;

    @Test
    void neverMoreTrialsInFlightThanTheLimitAndNoOutcomeIsLost() throws Exception {
        VirtualTime time = new VirtualTime();
        int maxTrials = 2;
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("stressed")
                .consecutiveFailures(3).openDuration(Duration.ofMillis(1)).openDurationMultiplier(1)
                .halfOpenMaxTrials(maxTrials).halfOpenSuccesses(4).build()).clock(time).build();
        AtomicInteger trialsRunning = new AtomicInteger();
        LongAccumulator mostTrialsRunning = new LongAccumulator(Math::max, 0);
        LongAdder trials = new LongAdder();
        LongAdder successes = new LongAdder();
        LongAdder failures = new LongAdder();
        LongAdder rejections = new LongAdder();

        runConcurrently(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                if (i % 64 == 0) {
                    time.advance(Duration.ofMillis(1)); // lets OPEN periods end, from every thread
                }
                CircuitBreaker.Permit permit;
                try {
                    permit = breaker.acquirePermission();
                } catch (CallNotPermittedException rejected) {
                    rejections.increment();
                    continue;
                }
                boolean failed = random.nextInt(100) < 30;
                if (permit.isTrial()) {
                    trials.increment();
                    mostTrialsRunning.accumulate(trialsRunning.incrementAndGet());
                    for (int pause = 0; pause < 3; pause++) {
                        Thread.yield(); // stay "in the call" while other threads run, so that trials overlap
                    }
                    trialsRunning.decrementAndGet(); // before recording: recording frees the slot
                }
                (failed ? failures : successes).increment();
                if (failed) {
                    permit.recordFailure(0);
                } else {
                    permit.recordSuccess(0);
                }
            }
        });

        BreakerSnapshot snapshot = breaker.snapshot();
        assertThat(mostTrialsRunning.get()).isBetween(1L, (long) maxTrials);
        assertThat(trials.sum()).as("the breaker must have gone through many half-open periods").isGreaterThan(100);
        assertThat(snapshot.trialsInFlight()).isZero();
        assertThat(snapshot.successes()).isEqualTo(successes.sum());
        assertThat(snapshot.failures()).isEqualTo(failures.sum());
        assertThat(snapshot.rejected()).isEqualTo(rejections.sum());
        assertThat(snapshot.successes() + snapshot.failures() + snapshot.rejected()).isEqualTo((long) THREADS * CALLS_PER_THREAD);
    }

    @Test
    void aWindowFilledByManyThreadsHoldsEveryOutcome() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("counted").consecutiveFailures(0)
                .slidingWindow(SlidingWindow.countBased(SlidingWindow.MAX_CALLS)).failureRateThreshold(1)
                .minimumCalls(SlidingWindow.MAX_CALLS).build()).clock(new VirtualTime()).build();
        LongAdder failures = new LongAdder();
        int callsPerThread = SlidingWindow.MAX_CALLS / THREADS - 1;
        runConcurrently(() -> {
            for (int i = 0; i < callsPerThread; i++) {
                boolean failed = ThreadLocalRandom.current().nextBoolean();
                if (failed) {
                    failures.increment();
                    breaker.acquirePermission().recordFailure(0);
                } else {
                    breaker.acquirePermission().recordSuccess(0);
                }
            }
        });
        BreakerSnapshot snapshot = breaker.snapshot();
        assertThat(snapshot.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(snapshot.windowCalls()).isEqualTo(THREADS * callsPerThread);
        assertThat((long) snapshot.windowFailures()).isEqualTo(failures.sum());
    }

    private static void runConcurrently(Runnable work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    work.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
