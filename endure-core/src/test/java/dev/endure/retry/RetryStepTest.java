package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Verdict;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The step as a table: limits, attempt, elapsed time, verdict and previous delay in; the step out. No time passes. */
class RetryStepTest {

    private static final Duration S = Duration.ofSeconds(1);
    /** 1 s ×2, no jitter: retry n waits 2^(n-1) s. */
    private static final RetryLimits LIMITS = new RetryLimits(4, Backoff.exponential(S, 2.0), Duration.ofSeconds(60),
            Duration.ofSeconds(30), false);
    private static final RetryLimits NO_DEADLINE = new RetryLimits(4, Backoff.exponential(S, 2.0), Duration.ofSeconds(60),
            null, false);
    private static final RetryLimits CLAMPING = new RetryLimits(4, Backoff.exponential(S, 2.0), Duration.ofSeconds(60),
            Duration.ofSeconds(300), true);

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("permanent fails now", LIMITS, 1, 0, Verdict.fail("HTTP 400"), new RetryStep.FailNow()),
                Arguments.of("disable target fails now", LIMITS, 1, 0, Verdict.disableTarget("HTTP 410"), new RetryStep.FailNow()),
                Arguments.of("first retry waits the backoff", LIMITS, 1, 0, Verdict.retry(), new RetryStep.Retry(S.toNanos())),
                Arguments.of("third retry waits 4 s", LIMITS, 3, 0, Verdict.retry(), new RetryStep.Retry(4 * S.toNanos())),
                Arguments.of("last attempt gives up", LIMITS, 4, 0, Verdict.retry(),
                        new RetryStep.GiveUp(GiveUpReason.MAX_ATTEMPTS, null)),
                Arguments.of("a hint is a floor", LIMITS, 1, 0, Verdict.retryAfter(Duration.ofSeconds(7)),
                        new RetryStep.Retry(7 * S.toNanos())),
                Arguments.of("a shorter hint does not shorten the backoff", LIMITS, 3, 0, Verdict.retryAfter(S),
                        new RetryStep.Retry(4 * S.toNanos())),
                Arguments.of("a hint past both limits gives up for the deadline", LIMITS, 1, 0,
                        Verdict.retryAfter(Duration.ofSeconds(90)),
                        new RetryStep.GiveUp(GiveUpReason.HINT_EXCEEDS_DEADLINE, Duration.ofSeconds(90))),
                Arguments.of("a hint past the max retry-after gives up", NO_DEADLINE, 1, 0, Verdict.retryAfter(Duration.ofSeconds(90)),
                        new RetryStep.GiveUp(GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER, Duration.ofSeconds(90))),
                Arguments.of("clamping waits the cap", CLAMPING, 1, 0, Verdict.retryAfter(Duration.ofSeconds(90)),
                        new RetryStep.Retry(60 * S.toNanos())),
                Arguments.of("a hint ending past the max duration gives up naming it", LIMITS, 1, 20 * S.toNanos(),
                        Verdict.retryAfter(Duration.ofSeconds(15)),
                        new RetryStep.GiveUp(GiveUpReason.HINT_EXCEEDS_DEADLINE, Duration.ofSeconds(15))),
                Arguments.of("a backoff ending past the max duration gives up", LIMITS, 3, 28 * S.toNanos(), Verdict.retry(),
                        new RetryStep.GiveUp(GiveUpReason.MAX_DURATION, Duration.ofSeconds(4))),
                Arguments.of("a delay ending exactly at the max duration is made", LIMITS, 3, 26 * S.toNanos(), Verdict.retry(),
                        new RetryStep.Retry(4 * S.toNanos())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String what, RetryLimits limits, int attempt, long elapsedNanos, Verdict verdict, RetryStep expected) {
        assertThat(RetryStep.next(limits, attempt, elapsedNanos, verdict, 0, new Random(1))).isEqualTo(expected);
    }

    @Test
    void decorrelatedJitterGrowsFromThePreviousDelay() {
        RetryLimits limits = new RetryLimits(10, Backoff.exponential(S, 2.0).withCap(Duration.ofSeconds(600))
                .withJitter(Jitter.decorrelated()), Duration.ofSeconds(60), null, false);
        long previous = 100 * S.toNanos();
        for (int seed = 0; seed < 50; seed++) {
            RetryStep step = RetryStep.next(limits, 3, 0, Verdict.retry(), previous, new Random(seed));
            // decorrelated: between the initial delay and three times the previous one
            assertThat(((RetryStep.Retry) step).delayNanos()).isBetween(S.toNanos(), 3 * previous);
        }
        long fromNothing = ((RetryStep.Retry) RetryStep.next(limits, 3, 0, Verdict.retry(), 0, new Random(7))).delayNanos();
        long fromPrevious = ((RetryStep.Retry) RetryStep.next(limits, 3, 0, Verdict.retry(), previous, new Random(7))).delayNanos();
        assertThat(fromPrevious).isGreaterThan(fromNothing);
    }
}
