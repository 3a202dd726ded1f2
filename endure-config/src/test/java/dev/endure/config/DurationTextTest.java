package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DurationTextTest {

    @Test
    void readsTheFriendlyGrammar() {
        assertThat(DurationText.parse("10ms")).isEqualTo(Duration.ofMillis(10));
        assertThat(DurationText.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationText.parse("0.5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationText.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationText.parse("10h")).isEqualTo(Duration.ofHours(10));
        assertThat(DurationText.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(DurationText.parse("1d2h3m4s5ms6us7ns")).isEqualTo(Duration.ofDays(1).plusHours(2).plusMinutes(3)
                .plusSeconds(4).plusMillis(5).plusNanos(6_007));
        assertThat(DurationText.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(DurationText.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsIso8601() {
        assertThat(DurationText.parse("PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationText.parse("PT0.5S")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationText.parse("P1D")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void refusesAmbiguousOrMalformedTextSayingWhatToWrite() {
        assertThatThrownBy(() -> DurationText.parse("500")).hasMessage("needs a unit, e.g. 500ms, 500s or 500m");
        assertThatThrownBy(() -> DurationText.parse("2min")).hasMessage("has the unknown unit 'min'; write 2m");
        assertThatThrownBy(() -> DurationText.parse("5sec")).hasMessage("has the unknown unit 'sec'; write 5s");
        assertThatThrownBy(() -> DurationText.parse("10 ms")).hasMessage("must not contain spaces, e.g. 10ms");
        assertThatThrownBy(() -> DurationText.parse("-1s")).hasMessage("must not be negative");
        assertThatThrownBy(() -> DurationText.parse("PT-1S")).hasMessage("must not be negative");
        assertThatThrownBy(() -> DurationText.parse("30m1h")).hasMessage("must list units from largest to smallest, each once, e.g. 1h30m");
        assertThatThrownBy(() -> DurationText.parse("1m1m")).hasMessage("must list units from largest to smallest, each once, e.g. 1h30m");
        assertThatThrownBy(() -> DurationText.parse("0.5ns")).hasMessage("is finer than a nanosecond");
        assertThatThrownBy(() -> DurationText.parse("PTxM")).hasMessage("is not an ISO-8601 duration such as PT2M");
        assertThatThrownBy(() -> DurationText.parse("1.s")).hasMessageStartingWith("write a number and a unit");
        assertThatThrownBy(() -> DurationText.parse("ms")).hasMessageStartingWith("write a number and a unit");
        assertThatThrownBy(() -> DurationText.parse("")).hasMessageStartingWith("must be a duration");
        assertThatThrownBy(() -> DurationText.parse("99999999999999999999d")).hasMessage("is too long");
    }

    @Test
    void formatsLargestUnitsFirst() {
        assertThat(DurationText.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(DurationText.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(DurationText.format(Duration.ofHours(10))).isEqualTo("10h");
        assertThat(DurationText.format(Duration.ZERO)).isEqualTo("0");
    }

    @Property(tries = 500)
    void formatThenParseGivesTheSameDuration(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long nanos) {
        Duration duration = Duration.ofNanos(nanos);
        assertThat(DurationText.parse(DurationText.format(duration))).isEqualTo(duration);
    }

    @Property(tries = 200)
    void everyIso8601DurationReadsAsJavaReadsIt(@ForAll @LongRange(min = 0, max = 10_000_000_000_000L) long nanos) {
        Duration duration = Duration.ofNanos(nanos);
        assertThat(DurationText.parse(duration.toString())).isEqualTo(duration);
    }
}
