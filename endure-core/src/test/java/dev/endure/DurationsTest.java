package dev.endure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void writesDurationsAPersonReadsWithoutDecoding() {
        assertThat(Durations.describeNanos(0)).isEqualTo("0 ms");
        assertThat(Durations.describeNanos(342_440)).isEqualTo("0.34 ms");
        assertThat(Durations.describeNanos(500_000)).isEqualTo("0.5 ms");
        assertThat(Durations.describeNanos(3_000)).isEqualTo("<0.01 ms");
        assertThat(Durations.describeNanos(15_000)).isEqualTo("0.02 ms"); // half up, as before
        assertThat(Durations.describeNanos(50_000)).isEqualTo("0.05 ms");
        assertThat(Durations.describeNanos(999_999)).isEqualTo("1 ms"); // was "1. ms"
        assertThat(Durations.describe(Duration.ofMillis(1000))).isEqualTo("1 s");
        assertThat(Durations.describe(Duration.ofMillis(1005))).isEqualTo("1.005 s");
        assertThat(Durations.describe(Duration.ofMillis(9990))).isEqualTo("9.99 s");
        assertThat(Durations.describe(Duration.ofMillis(312))).isEqualTo("312 ms");
        assertThat(Durations.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Durations.describe(Duration.ofSeconds(150))).isEqualTo("2 min 30 s");
        assertThat(Durations.describe(Duration.ofHours(10))).isEqualTo("10 h");
    }
}
