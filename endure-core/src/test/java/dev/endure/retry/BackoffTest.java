package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final RandomGenerator RANDOM = new SplittableRandom(42);

    @Test
    void seed000ScheduleDoublesFromTenMillisecondsToTheCapOf160() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160));

        List<Long> millis = new ArrayList<>();
        long previous = 0;
        for (int retry = 1; retry <= 7; retry++) {
            previous = backoff.delayNanos(retry, previous, RANDOM);
            millis.add(previous / 1_000_000);
        }

        assertThat(millis).containsExactly(10L, 20L, 40L, 80L, 160L, 160L, 160L);
    }

    @Test
    void proportionalJitterStaysWithinTenPercentOfEachStep() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160))
                .withJitter(Jitter.proportional(0.10));
        long[] base = {10, 20, 40, 80, 160};
        boolean sawBelow = false;
        boolean sawAbove = false;
        for (int sample = 0; sample < 2_000; sample++) {
            for (int retry = 1; retry <= 5; retry++) {
                long nanos = backoff.delayNanos(retry, 0, RANDOM);
                long nominal = base[retry - 1] * 1_000_000;
                // the upper half of the top step is clamped by the cap, which is a hard maximum
                long upper = Math.min((long) (nominal * 1.10), 160_000_000L);
                assertThat(nanos).as("retry %d", retry).isBetween((long) (nominal * 0.90), upper);
                sawBelow |= nanos < nominal;
                sawAbove |= nanos > nominal;
            }
        }
        assertThat(sawBelow).as("jitter spreads below the nominal delay").isTrue();
        assertThat(sawAbove).as("jitter spreads above the nominal delay").isTrue();
    }

    @Test
    void floorAppliesAfterJitter() {
        // seed 003: 2 min ±25 % could be 1.5 min; with full jitter it could be 0; the floor says 1 min
        Backoff backoff = Backoff.exponential(Duration.ofMinutes(2), 2.0).withCap(Duration.ofMinutes(60))
                .withJitter(Jitter.full()).withFloor(Duration.ofMinutes(1));
        for (int sample = 0; sample < 1_000; sample++) {
            assertThat(backoff.delay(1, null, RANDOM)).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(2));
        }
    }

    @Test
    void capBoundsHugeExponentsWithoutOverflow() {
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), 10.0).withCap(Duration.ofHours(1));
        assertThat(backoff.delay(1_000, Duration.ZERO, RANDOM)).isEqualTo(Duration.ofHours(1));
        Backoff uncapped = Backoff.exponential(Duration.ofSeconds(1), 10.0);
        assertThat(uncapped.computedNanos(1_000)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void fixedBackoffWaitsTheSameEveryTime() {
        Backoff backoff = Backoff.fixed(Duration.ofMillis(250));
        assertThat(backoff.delay(1, null, RANDOM)).isEqualTo(Duration.ofMillis(250));
        assertThat(backoff.delay(9, Duration.ofMillis(250), RANDOM)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void decorrelatedJitterGrowsFromThePreviousDelay() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), 2.0).withCap(Duration.ofSeconds(20))
                .withJitter(Jitter.decorrelated());
        long previous = 0;
        for (int retry = 1; retry <= 50; retry++) {
            long next = backoff.delayNanos(retry, previous, RANDOM);
            long upper = Math.min(20_000_000_000L, 3 * Math.max(previous, 100_000_000L));
            assertThat(next).isBetween(100_000_000L, upper);
            previous = next;
        }
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofMillis(10), 0.5))
                .hasMessage("multiplier must be a finite number of at least 1 (was 0.5)");
        assertThatThrownBy(() -> Backoff.fixed(Duration.ofMillis(-1)))
                .hasMessage("delay must not be negative (was PT-0.001S)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), 2).withCap(Duration.ofSeconds(1)))
                .hasMessageContaining("cap (PT1S) must not be below the initial delay (PT2S)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), 2).withCap(Duration.ofSeconds(5))
                .withFloor(Duration.ofSeconds(6)))
                .hasMessageContaining("floor (PT6S) must not exceed the cap (PT5S)");
        assertThatThrownBy(() -> Jitter.proportional(1.5))
                .hasMessage("jitter factor must be between 0 and 1 (was 1.5)");
    }

    @Test
    void describesItselfForLogsAndErrors() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160))
                .withJitter(Jitter.proportional(0.10));
        assertThat(backoff).hasToString("exponential(PT0.01S ×2.0, cap PT0.16S, jitter proportional(±10%))");
    }
}
