package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** For every jitter kind and parameter, each delay lies in the bounds its Javadoc promises. */
class BackoffProperties {

    @Property(tries = 500)
    void everyDelayLiesInItsDocumentedBounds(
            @ForAll("jitters") Jitter jitter,
            @ForAll @LongRange(min = 0, max = 5_000) long initialMillis,
            @ForAll @DoubleRange(min = 1.0, max = 4.0) double multiplier,
            @ForAll @LongRange(min = 0, max = 100_000) long extraCapMillis,
            @ForAll @LongRange(min = 0, max = 100) long floorPercentOfInitial,
            @ForAll @IntRange(min = 1, max = 40) int retries,
            @ForAll long seed) {
        long initial = initialMillis * 1_000_000;
        long cap = initial + extraCapMillis * 1_000_000;
        long floor = initial * floorPercentOfInitial / 100;
        Backoff backoff = Backoff.exponential(Duration.ofNanos(initial), multiplier).withCap(Duration.ofNanos(cap))
                .withJitter(jitter).withFloor(Duration.ofNanos(floor));
        SplittableRandom random = new SplittableRandom(seed);

        long previous = 0;
        for (int retry = 1; retry <= retries; retry++) {
            long computed = (long) Math.min((double) cap, initial * Math.pow(multiplier, retry - 1));
            long low;
            long high;
            switch (jitter.kind()) {
                case NONE -> { low = computed; high = computed; }
                case PROPORTIONAL -> {
                    low = (long) Math.floor(computed * (1 - jitter.factor()));
                    high = (long) Math.ceil(computed * (1 + jitter.factor()));
                }
                case FULL -> { low = 0; high = computed; }
                case EQUAL -> { low = computed / 2; high = computed; }
                case DECORRELATED -> {
                    low = initial;
                    high = 3 * Math.max(retry == 1 ? initial : previous, initial);
                }
                default -> throw new AssertionError(jitter);
            }
            long expectedLow = Math.max(floor, Math.min(low, cap));
            long expectedHigh = Math.max(floor, Math.min(high, cap));

            long delay = backoff.delayNanos(retry, previous, random);

            assertThat(delay).as("%s retry %d", backoff, retry).isBetween(expectedLow - 1, expectedHigh + 1);
            assertThat(delay).as("never above the cap").isLessThanOrEqualTo(cap);
            assertThat(delay).as("never below the floor").isGreaterThanOrEqualTo(floor);
            previous = delay;
        }
    }

    @Property(tries = 300)
    void totalTimeNeverExceedsMaxDuration(
            @ForAll("jitters") Jitter jitter,
            @ForAll @LongRange(min = 1, max = 2_000) long initialMillis,
            @ForAll @IntRange(min = 1, max = 30) int maxAttempts,
            @ForAll @LongRange(min = 1, max = 60_000) long maxDurationMillis,
            @ForAll @LongRange(min = 0, max = 500) long attemptMillis,
            @ForAll @LongRange(min = 0, max = 20_000) long hintMillis,
            @ForAll long seed) {
        VirtualTime time = new VirtualTime();
        Duration maxDuration = Duration.ofMillis(maxDurationMillis);
        RetryPolicy<String> policy = RetryPolicy.<String>builder()
                .maxAttempts(maxAttempts)
                .maxDuration(maxDuration)
                .backoff(Backoff.exponential(Duration.ofMillis(initialMillis), 2.0).withJitter(jitter))
                .classifier((result, failure) -> hintMillis % 3 == 0
                        ? Verdict.retryAfter(Duration.ofMillis(hintMillis)) : Verdict.retry())
                .build();
        Retrier<String> retrier = Retrier.builder(policy).time(time).random(new java.util.Random(seed)).build();
        AtomicInteger attempts = new AtomicInteger();
        long[] lastAttemptStart = new long[1];

        try {
            retrier.get(() -> {
                attempts.incrementAndGet();
                lastAttemptStart[0] = time.nanoTime();
                time.advance(Duration.ofMillis(attemptMillis));
                throw new IllegalStateException("always failing");
            });
        } catch (RetriesExhaustedException expected) {
            assertThat(expected.attempts()).isEqualTo(attempts.get());
        }

        assertThat(attempts.get()).isBetween(1, maxAttempts);
        // No attempt starts after the deadline: waiting never goes past it.
        assertThat(Duration.ofNanos(lastAttemptStart[0])).isLessThanOrEqualTo(maxDuration);
        Duration totalSleep = time.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(totalSleep).isLessThanOrEqualTo(maxDuration);
    }

    @Provide
    Arbitrary<Jitter> jitters() {
        return Arbitraries.oneOf(
                Arbitraries.just(Jitter.none()),
                Arbitraries.doubles().between(0, 1).map(Jitter::proportional),
                Arbitraries.just(Jitter.full()),
                Arbitraries.just(Jitter.equal()),
                Arbitraries.just(Jitter.decorrelated()));
    }
}
