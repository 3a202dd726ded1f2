package dev.endure.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An adaptive limit in front of a simulated downstream on virtual time: {@value #CAPACITY} workers, 10 ms a call,
 * and beyond {@value #CAPACITY} calls in flight every call slows in proportion (they share the workers). Requests
 * arrive at twice the capacity; the limit must hold goodput near capacity without letting latency grow, and its
 * value must stay put (no creep, no collapse). BENCHMARKS.md has the same on a real loopback HTTP service.
 */
class AdaptiveLimitSimulationTest {

    private static final int CAPACITY = 16;
    private static final long BASE_NANOS = Duration.ofMillis(10).toNanos();
    /** Calls per second the downstream completes at best. */
    private static final double CAPACITY_PER_SECOND = CAPACITY * 1e9 / BASE_NANOS;

    @Test
    void underTwiceTheCapacityGoodputHoldsLatencyStaysLowAndTheLimitDoesNotDrift() {
        Run run = simulate(2.0, 0.0, 180, null);

        assertThat(run.goodputPerSecond).isGreaterThan(0.9 * CAPACITY_PER_SECOND);
        assertThat(run.p99Nanos).isLessThan(2 * BASE_NANOS);
        // The last 90 s: the limit sits in the band the latency rule allows and does not move on average.
        assertThat(run.lowestLimitLate).isGreaterThanOrEqualTo(CAPACITY);
        assertThat(run.highestLimitLate).isLessThanOrEqualTo((int) Math.ceil(CAPACITY * 1.5) + 1);
        assertThat(Math.abs(run.meanLimitLastMinute - run.meanLimitSecondMinute) / run.meanLimitSecondMinute).isLessThan(0.05);
    }

    @Test
    void aModestShareOfThrottledCallsShrinksTheLimitWithoutCollapsingIt() {
        Run run = simulate(1.2, 0.005, 120, null);

        assertThat(run.lowestLimitLate).isGreaterThanOrEqualTo(CAPACITY / 2);
        assertThat(run.goodputPerSecond).isGreaterThan(0.8 * CAPACITY_PER_SECOND);
    }

    @Test
    void whenTheDownstreamGetsSlowerForGoodTheLimitComesBackAfterRelearningItsBaseline() {
        Run run = simulate(2.0, 0.0, 120, 20);

        // After the slowdown (20 ms a call from second 20; the second minute is measured) the capacity in calls per second halves, but the
        // concurrency it takes to use it is the same: the limit must return to it, not stay at minLimit.
        assertThat(run.lowestLimitLate).isGreaterThanOrEqualTo(CAPACITY);
        assertThat(run.goodputPerSecond).isGreaterThan(0.9 * CAPACITY_PER_SECOND / 2);
    }

    @Test
    void conflictsThatRiseWithConcurrencyHoldTheLimitNearTheToleranceNotAtTheFloor() {
        // SERIALIZABLE on hot rows: each transaction beside another adds 4 % to the chance that one conflicts, so a
        // 15 % tolerance is met at 1 + 0.15 / 0.04 = 4.75 in flight. Callers always wait (the limit is always full).
        double conflictPerNeighbour = 0.04;
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("serializable").initialLimit(1).maxLimit(64)
                .decreaseFactor(0.5).overloadTolerance(0.15).latencyTolerance(10).minWindowSamples(32).build(), new VirtualTime());
        Random random = new Random(7);
        long limitSum = 0;
        long attempts = 0;
        long conflicts = 0;
        int rounds = 20_000;
        for (int round = 0; round < rounds; round++) {
            int running = limit.limit();
            long[] permits = new long[running];
            for (int i = 0; i < running; i++) {
                permits[i] = limit.acquire();
            }
            double conflictChance = conflictPerNeighbour * (running - 1);
            for (long permit : permits) {
                boolean conflicted = random.nextDouble() < conflictChance;
                limit.release(permit, conflicted ? Verdict.retry("SQLState 40001") : Verdict.success());
                if (round >= rounds / 2) {
                    attempts++;
                    conflicts += conflicted ? 1 : 0;
                }
            }
            if (round >= rounds / 2) {
                limitSum += running;
            }
        }
        double meanLimit = (double) limitSum / (rounds / 2);
        double conflictShare = (double) conflicts / attempts;

        // A fixed halving for any window over the tolerance sat at 2.8 here: the noise of a window, not the load, set it.
        assertThat(meanLimit).isBetween(4.0, 5.5);
        assertThat(conflictShare).isBetween(0.10, 0.18);
    }

    private record Run(double goodputPerSecond, long p99Nanos, int lowestLimitLate, int highestLimitLate,
            double meanLimitSecondMinute, double meanLimitLastMinute) {}

    /**
     * @param load arrivals as a multiple of capacity
     * @param throttledShare share of calls the downstream answers with a 503 (an overload signal)
     * @param seconds virtual run time; the last half is measured
     * @param slowDownAtSecond when the downstream's base latency doubles, or null
     */
    private static Run simulate(double load, double throttledShare, int seconds, Integer slowDownAtSecond) {
        VirtualTime time = new VirtualTime();
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("simulated").initialLimit(4).build(), time);
        Random random = new Random(42);
        AtomicInteger running = new AtomicInteger();
        AtomicLong goodLate = new AtomicLong();
        long lateFrom = Duration.ofSeconds(seconds / 2).toNanos();
        long[] latencies = new long[(int) (CAPACITY_PER_SECOND * load * seconds)];
        int[] latencyCount = {0};
        long arrivalGap = (long) (1e9 / (CAPACITY_PER_SECOND * load));
        int lowest = Integer.MAX_VALUE;
        int highest = 0;
        double[] limitPerSecond = new double[seconds];
        int[] samplesPerSecond = new int[seconds];
        long end = Duration.ofSeconds(seconds).toNanos();
        for (long now = 0; now < end; now += arrivalGap) {
            time.advance(Duration.ofNanos(now - time.nanoTime()));
            long permit;
            try {
                permit = limit.acquire();
            } catch (ConcurrencyLimitExceededException shed) {
                continue;
            }
            long base = slowDownAtSecond != null && now >= Duration.ofSeconds(slowDownAtSecond).toNanos() ? 2 * BASE_NANOS : BASE_NANOS;
            int sharing = running.incrementAndGet();
            long latency = (long) (base * Math.max(1.0, (double) sharing / CAPACITY) * (0.9 + 0.2 * random.nextDouble()));
            boolean throttled = random.nextDouble() < throttledShare;
            boolean late = now >= lateFrom;
            time.schedule(() -> {
                running.decrementAndGet();
                limit.release(permit, throttled ? Verdict.retry("HTTP 503") : Verdict.success());
                if (late && !throttled) {
                    goodLate.incrementAndGet();
                    latencies[latencyCount[0]++] = latency;
                }
            }, latency);
            int second = (int) (now / 1_000_000_000L);
            limitPerSecond[second] += limit.limit();
            samplesPerSecond[second]++;
            if (late) {
                lowest = Math.min(lowest, limit.limit());
                highest = Math.max(highest, limit.limit());
            }
        }
        time.runUntilIdle(Integer.MAX_VALUE);
        long[] measured = Arrays.copyOf(latencies, latencyCount[0]);
        Arrays.sort(measured);
        long p99 = measured.length == 0 ? 0 : measured[(int) Math.min(measured.length - 1, Math.ceil(measured.length * 0.99) - 1)];
        return new Run(goodLate.get() / (seconds / 2.0), p99, lowest, highest,
                mean(limitPerSecond, samplesPerSecond, seconds - 120, seconds - 60), mean(limitPerSecond, samplesPerSecond, seconds - 60, seconds));
    }

    private static double mean(double[] sums, int[] counts, int from, int to) {
        double sum = 0;
        long count = 0;
        for (int i = Math.max(0, from); i < to; i++) {
            sum += sums[i];
            count += counts[i];
        }
        return count == 0 ? 0 : sum / count;
    }
}
