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
        assertThat(Durations.describe(Duration.ofMillis(312))).isEqualTo("312 ms");
        assertThat(Durations.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Durations.describe(Duration.ofSeconds(150))).isEqualTo("2 min 30 s");
        assertThat(Durations.describe(Duration.ofHours(10))).isEqualTo("10 h");
    }
}
