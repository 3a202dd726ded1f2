package dev.endure.delivery;

import dev.endure.delivery.AttemptResult;
import dev.endure.delivery.internal.Decision;
import dev.endure.delivery.internal.DeliveryDecider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class DeliveryDeciderTest {

    private static final Duration NO_LATENCY = Duration.ZERO;
    private final DeliveryPolicy seed = DeliveryPolicy.seed003();

    /** Runs one delivery that always gets a 500, in virtual time, until the policy gives up. */
    private record Schedule(List<Duration> delays, Decision.GiveUp end, int attempts, Duration elapsed) {}

    private static Schedule runAlwaysFailing(DeliveryPolicy policy, long seed) {
        VirtualTime time = new VirtualTime();
        SplittableRandom random = new SplittableRandom(seed);
        Instant windowStart = time.instant();
        List<Duration> delays = new ArrayList<>();
        Duration previous = null;
        for (int attempt = 1; attempt <= 1000; attempt++) {
            Decision decision = DeliveryDecider.decide(policy, attempt, windowStart, time.instant(),
                    AttemptResult.status(500, null, NO_LATENCY, "boom"), previous, random);
            if (decision instanceof Decision.GiveUp giveUp) {
                return new Schedule(delays, giveUp, attempt, time.elapsed());
            }
            Decision.Retry retry = (Decision.Retry) decision;
            delays.add(retry.delay());
            previous = retry.delay();
            time.advance(retry.delay());
            assertThat(time.instant()).isEqualTo(retry.at());
        }
        throw new AssertionError("never gave up");
    }

    @Test
    void tenHourScheduleWithoutJitterEndsAfterFourteenAttempts() {
        DeliveryPolicy exact = seed.toBuilder().backoff(Backoff.exponential(Duration.ofMinutes(2), 2).withCap(Duration.ofMinutes(60))
                .withFloor(Duration.ofMinutes(1))).build();
        Schedule schedule = runAlwaysFailing(exact, 1);
        // attempts at 0, 2, 6, 14, 30, 62, 122, ..., 542 min; the next would be at 602 min > 10 h
        assertThat(schedule.delays()).extracting(Duration::toMinutes)
                .containsExactly(2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L, 60L, 60L, 60L, 60L, 60L);
        assertThat(schedule.attempts()).isEqualTo(14);
        assertThat(schedule.elapsed()).isEqualTo(Duration.ofMinutes(542));
        assertThat(schedule.end().cause()).isEqualTo(Decision.Cause.DURATION_EXCEEDED);
        assertThat(schedule.end().reason())
                .isEqualTo("max duration exceeded: the next attempt would start 10 h 2 min after the first (limit 10 h); last HTTP 500 on attempt 14");
    }

    @RepeatedTest(20)
    void tenHourScheduleEndsAfterTheRightNumberOfAttemptsWithDelaysWithinJitterAndFloor() {
        long randomSeed = new Random().nextLong();
        Schedule schedule = runAlwaysFailing(seed, randomSeed);
        List<Duration> delays = schedule.delays();
        for (int i = 0; i < delays.size(); i++) {
            long computed = Math.min(Duration.ofMinutes(2).toMillis() << i, Duration.ofMinutes(60).toMillis());
            long low = Math.max(Duration.ofMinutes(1).toMillis(), (long) Math.floor(computed * 0.75));
            long high = Math.min(Duration.ofMinutes(60).toMillis(), (long) Math.ceil(computed * 1.25));
            assertThat(delays.get(i).toMillis()).as("delay %d (seed %d)", i + 1, randomSeed).isBetween(low, high);
        }
        // The right number: every delay taken fits in 10 h, the refused one would not.
        Duration taken = delays.stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(taken).isEqualTo(schedule.elapsed()).isLessThanOrEqualTo(Duration.ofHours(10));
        assertThat(taken.plus(schedule.end().refusedDelay())).isGreaterThan(Duration.ofHours(10));
        assertThat(schedule.attempts()).isEqualTo(delays.size() + 1).isBetween(14, 18);
        assertThat(schedule.end().cause()).isEqualTo(Decision.Cause.DURATION_EXCEEDED);
    }

    @Test
    void givesUpAfterTwentyAttemptsWhenTheDurationAllowsMore() {
        Schedule schedule = runAlwaysFailing(seed.toBuilder().maxDuration(Duration.ofDays(3)).build(), 7);
        assertThat(schedule.attempts()).isEqualTo(20);
        assertThat(schedule.end().cause()).isEqualTo(Decision.Cause.MAX_ATTEMPTS);
        assertThat(schedule.end().reason()).isEqualTo("max retries exceeded: 20 attempts; last HTTP 500 on attempt 20");
    }

    @Test
    void retryAfterIsAFloorAndIsCapped() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Decision longer = DeliveryDecider.decide(seed, 1, start, start,
                AttemptResult.status(429, Duration.ofMinutes(30), NO_LATENCY, ""), null, new SplittableRandom(1));
        assertThat(((Decision.Retry) longer).delay()).isEqualTo(Duration.ofMinutes(30));
        Decision shorter = DeliveryDecider.decide(seed, 1, start, start,
                AttemptResult.status(503, Duration.ofSeconds(5), NO_LATENCY, ""), null, new SplittableRandom(1));
        assertThat(((Decision.Retry) shorter).delay()).isBetween(Duration.ofSeconds(90), Duration.ofSeconds(150));
        // A hint beyond maxRetryAfter is never retried early (issue 13 item 2): the delivery ends naming it,
        // unless the policy explicitly clamps.
        Decision longerThanTheCap = DeliveryDecider.decide(seed, 1, start, start,
                AttemptResult.status(429, Duration.ofMinutes(90), NO_LATENCY, ""), null, new SplittableRandom(1));
        assertThat(longerThanTheCap).isInstanceOfSatisfying(Decision.GiveUp.class, g -> {
            assertThat(g.cause()).isEqualTo(Decision.Cause.RETRY_AFTER_TOO_LONG);
            assertThat(g.limit()).isEqualTo(GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER);
            assertThat(g.reason()).startsWith("the receiver's Retry-After of 1 h 30 min is longer than maxRetryAfter (1 h)");
        });
        Decision huge = DeliveryDecider.decide(seed.toBuilder().clampRetryAfter(true).build(), 1, start, start,
                AttemptResult.status(429, Duration.ofDays(2), NO_LATENCY, ""), null, new SplittableRandom(1));
        assertThat(((Decision.Retry) huge).delay()).isEqualTo(Duration.ofMinutes(60));
        // A hint that reaches beyond the maximum duration fails now, naming the limit.
        Decision beyond = DeliveryDecider.decide(seed, 5, start, start.plus(Duration.ofMinutes(570)),
                AttemptResult.status(429, Duration.ofMinutes(45), NO_LATENCY, ""), null, new SplittableRandom(1));
        assertThat(beyond).isInstanceOfSatisfying(Decision.GiveUp.class, g -> {
            assertThat(g.cause()).isEqualTo(Decision.Cause.DURATION_EXCEEDED);
            assertThat(g.limit()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE);
            assertThat(g.refusedDelay()).isEqualTo(Duration.ofMinutes(45));
            assertThat(g.reason()).contains("Retry-After of 45 min");
        });
    }

    @Test
    void classifiesStatuses() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        SplittableRandom random = new SplittableRandom(3);
        assertThat(decide(seed, 200, now, random)).isInstanceOf(Decision.Delivered.class);
        assertThat(decide(seed, 204, now, random)).isInstanceOf(Decision.Delivered.class);
        assertThat(decide(seed, 410, now, random)).isEqualTo(new Decision.DisableEndpoint("HTTP 410 on attempt 1"));
        assertThat(decide(seed, 404, now, random)).isEqualTo(new Decision.DisableEndpoint("HTTP 404 on attempt 1"));
        for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
            assertThat(decide(seed, status, now, random)).as("HTTP %d", status).isInstanceOf(Decision.Retry.class);
        }
        assertThat(decide(seed, 400, now, random)).isEqualTo(new Decision.GiveUp(Decision.Cause.PERMANENT, "HTTP 400 on attempt 1", null));
        assertThat(decide(seed, 301, now, random)).isEqualTo(
                new Decision.GiveUp(Decision.Cause.PERMANENT, "HTTP 301 on attempt 1 (redirects are not followed)", null));
        DeliveryPolicy lenient = seed.toBuilder().disableStatuses(Set.of()).retryClientErrors(true).build();
        assertThat(decide(lenient, 410, now, random)).isInstanceOf(Decision.Retry.class);
        assertThat(decide(lenient, 400, now, random)).isInstanceOf(Decision.Retry.class);
        assertThat(DeliveryDecider.decide(seed, 1, now, now, AttemptResult.error("connection refused", NO_LATENCY), null, random))
                .isInstanceOfSatisfying(Decision.Retry.class, r -> assertThat(r.reason()).isEqualTo("connection refused on attempt 1"));
    }

    @Test
    void endpointOverridesReplaceOnlyWhatTheyName() {
        DeliveryPolicy custom = seed.forEndpoint(EndpointPolicy.NONE.withMaxAttempts(3).withInitial(Duration.ofSeconds(10))
                .withCap(Duration.ofMinutes(5)).withTimeout(Duration.ofSeconds(90)));
        assertThat(custom.maxAttempts()).isEqualTo(3);
        assertThat(custom.maxDuration()).isEqualTo(Duration.ofHours(10));
        assertThat(custom.backoff().initial()).isEqualTo(Duration.ofSeconds(10));
        assertThat(custom.backoff().cap()).contains(Duration.ofMinutes(5));
        assertThat(custom.backoff().jitter()).isEqualTo(seed.backoff().jitter());
        assertThat(custom.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(seed.forEndpoint(EndpointPolicy.NONE)).isSameAs(seed);
    }

    @Test
    void validationNamesTheField() {
        assertThatThrownBy(() -> DeliveryPolicy.builder().maxAttempts(0).build())
                .hasMessage("maxAttempts must be at least 1 (was 0)");
        assertThatThrownBy(() -> DeliveryPolicy.builder().timeout(Duration.ofSeconds(-1)).build())
                .hasMessage("timeout must be positive (was PT-1S)");
        assertThatThrownBy(() -> DeliveryPolicy.builder().disableStatuses(Set.of(200)).build())
                .hasMessage("disableStatuses must be non-2xx HTTP statuses (was 200)");
    }

    @Test
    void failureRateRuleNeedsEnoughAttemptsInAllAndInTheWindow() {
        FailureRateRule rule = FailureRateRule.SEED_003;
        assertThat(rule.trips(failing(5, 3, 3, Duration.ofHours(2)))).isTrue();
        assertThat(rule.trips(failing(4, 4, 4, Duration.ofHours(2)))).isFalse(); // < 5 in all
        assertThat(rule.trips(failing(50, 2, 2, Duration.ofHours(2)))).isFalse(); // < 3 in window
        assertThat(rule.trips(failing(50, 10, 9, Duration.ofHours(2)))).isFalse(); // 90 % < 100 %
        assertThat(new FailureRateRule(0.9, Duration.ofHours(1), 5, 3).trips(failing(50, 10, 9, Duration.ofHours(1)))).isTrue();
        assertThat(rule.describe(failing(5, 3, 3, Duration.ofHours(2))))
                .isEqualTo("failure rate 100% over 24 h (3 of 3 attempts failed over 2 h; threshold 100%)");
    }

    @Test
    void failuresMustSpanTheMinimumPeriodSoOneBadMinuteNeverDisablesANewEndpoint() {
        FailureRateRule rule = FailureRateRule.SEED_003;
        assertThat(rule.minFailureSpan()).isEqualTo(Duration.ofHours(1));
        assertThat(rule.trips(failing(6, 6, 6, Duration.ofMillis(289)))).isFalse();
        assertThat(rule.trips(failing(6, 6, 6, Duration.ofMinutes(59)))).isFalse();
        assertThat(rule.trips(failing(6, 6, 6, Duration.ofHours(1)))).isTrue();
        assertThat(rule.trips(new EndpointAttemptStats("e", 6, 6, 6, null, null, null))).as("no span known").isFalse();
        assertThat(rule.withMinFailureSpan(Duration.ZERO).trips(failing(6, 6, 6, Duration.ZERO))).isTrue();
        assertThatThrownBy(() -> rule.withMinFailureSpan(Duration.ofHours(25)))
                .hasMessageContaining("minFailureSpan must be zero or positive and at most the window (24 h)");
    }

    private static EndpointAttemptStats failing(long total, long inWindow, long failures, Duration span) {
        Instant last = Instant.parse("2026-03-01T12:00:00Z");
        return new EndpointAttemptStats("e", total, inWindow, failures, "HTTP 500", last, null, last.minus(span));
    }

    private static Decision decide(DeliveryPolicy policy, int status, Instant now, SplittableRandom random) {
        return DeliveryDecider.decide(policy, 1, now, now, AttemptResult.status(status, null, NO_LATENCY, ""), null, random);
    }
}
