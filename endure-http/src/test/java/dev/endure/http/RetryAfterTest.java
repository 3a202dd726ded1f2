package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RetryAfter#parse} is pure: every case here is a value in, a value out, no clock. */
class RetryAfterTest {

    static final Instant NOW = Instant.parse("1994-11-06T08:49:00Z");

    @Test
    void readsDeltaSeconds() {
        assertThat(RetryAfter.parse("120", NOW).delay()).hasValue(Duration.ofMinutes(2));
        assertThat(RetryAfter.parse(" 7 ", NOW).delay()).hasValue(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse("0", NOW).delay()).hasValue(Duration.ZERO);
        assertThat(RetryAfter.parse("007", NOW).delay()).hasValue(Duration.ofSeconds(7));
    }

    @Test
    void readsAbsurdlyLargeDeltaSecondsAsAHugeDelayForThePolicyToCap() {
        assertThat(RetryAfter.parse("99999999999999999999999", NOW).delay())
                .hasValue(Duration.ofSeconds(RetryAfter.MAX_DELTA_SECONDS));
        assertThat(RetryAfter.parse("9999999999", NOW).delay()).hasValue(Duration.ofSeconds(RetryAfter.MAX_DELTA_SECONDS));
    }

    @Test
    void readsAnImfFixdate() {
        RetryAfter parsed = RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW);

        assertThat(parsed.delay()).hasValue(Duration.ofSeconds(37));
        assertThat(parsed.problem()).isEmpty();
    }

    @Test
    void readsAnRfc850Date() {
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW).delay()).hasValue(Duration.ofSeconds(37));
    }

    @Test
    void readsAnRfc850TwoDigitYearAsTheNearestCenturyNoMoreThanFiftyYearsAhead() {
        Instant newYearsEve = Instant.parse("2026-12-31T23:59:59Z");
        // 27 -> 2027 (one year ahead, not 1927)
        assertThat(RetryAfter.parse("Friday, 01-Jan-27 00:00:10 GMT", newYearsEve).delay()).hasValue(Duration.ofSeconds(11));
        // 94 -> 1994, because 2094 is more than 50 years ahead: a date in the past, ignored
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", newYearsEve).problem()).get().asString()
                .contains("in the past");
    }

    @Test
    void readsAnAsctimeDateWithItsSpacePaddedDay() {
        assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", NOW).delay()).hasValue(Duration.ofSeconds(37));
        assertThat(RetryAfter.parse("Thu Nov 10 08:49:00 1994", NOW).delay()).hasValue(Duration.ofDays(4));
    }

    @Test
    void measuresADateFromNowToTheNanosecondSoTheWaitIsNeverShort() {
        Instant halfASecondIn = Instant.parse("1994-11-06T08:49:36.500Z");

        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", halfASecondIn).delay()).hasValue(Duration.ofMillis(500));
    }

    @Test
    void acceptsADateThatIsExactlyNowAsNoWait() {
        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:00 GMT", NOW).delay()).hasValue(Duration.ZERO);
    }

    @Test
    void ignoresADateInThePast() {
        RetryAfter parsed = RetryAfter.parse("Sun, 06 Nov 1994 08:48:00 GMT", NOW);

        assertThat(parsed.delay()).isEmpty();
        assertThat(parsed.isUnusable()).isTrue();
        assertThat(parsed.problem()).hasValue("the date is in the past (60 s ago)");
    }

    @Test
    void ignoresNegativeDeltaSeconds() {
        RetryAfter parsed = RetryAfter.parse("-5", NOW);

        assertThat(parsed.delay()).isEmpty();
        assertThat(parsed.problem()).hasValue("negative delta-seconds");
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "1.5", "1e3", "+5", "5 seconds", "0x10", "Sun, 06 Nov 1994 08:49:37 UTC",
            "sun, 06 nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "1994-11-06T08:49:37Z", "Sun Nov 6 08:49:37 1994"})
    void ignoresValuesThatAreNeitherDeltaSecondsNorAnHttpDate(String garbage) {
        RetryAfter parsed = RetryAfter.parse(garbage, NOW);

        assertThat(parsed.delay()).isEmpty();
        assertThat(parsed.problem()).hasValue("not delta-seconds or an HTTP-date");
    }

    @Test
    void ignoresADateThatDoesNotExist() {
        RetryAfter parsed = RetryAfter.parse("Wed, 30 Feb 1994 08:49:37 GMT", NOW);

        assertThat(parsed.delay()).isEmpty();
        assertThat(parsed.problem()).get().asString().startsWith("not a valid date");
        assertThat(RetryAfter.parse("Sun, 06 Foo 1994 08:49:37 GMT", NOW).problem()).get().asString().contains("unknown month");
        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 25:49:37 GMT", NOW).problem()).get().asString().startsWith("not a valid date");
    }

    @Test
    void treatsAnAbsentHeaderAsNeitherADelayNorAProblem() {
        for (String absent : new String[] {null, "", "   "}) {
            RetryAfter parsed = RetryAfter.parse(absent, NOW);
            assertThat(parsed.delay()).isEmpty();
            assertThat(parsed.isUnusable()).isFalse();
        }
    }

    @Test
    void quotesHostileValuesSafelyForLogs() {
        assertThat(RetryAfter.quoted("a\nb")).isEqualTo("'a?b'");
        assertThat(RetryAfter.quoted("x".repeat(100))).hasSize(67);
    }
}
