package dev.endure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualTimeTest {

    @Test
    void runsTasksInDueOrderAsTimeAdvances() {
        VirtualTime time = new VirtualTime(Instant.parse("2026-03-01T00:00:00Z"));
        List<String> ran = new ArrayList<>();
        time.schedule(() -> ran.add("b@2s"), Duration.ofSeconds(2).toNanos());
        time.schedule(() -> ran.add("a@1s"), Duration.ofSeconds(1).toNanos());
        time.schedule(() -> ran.add("c@2s"), Duration.ofSeconds(2).toNanos());

        time.advance(Duration.ofMillis(999));
        assertThat(ran).isEmpty();
        time.advance(Duration.ofSeconds(5));

        assertThat(ran).containsExactly("a@1s", "b@2s", "c@2s");
        assertThat(time.instant()).isEqualTo(Instant.parse("2026-03-01T00:00:05.999Z"));
    }

    @Test
    void aTaskSeesTheClockAtItsDueTime() {
        VirtualTime time = new VirtualTime();
        long[] seen = new long[1];
        time.schedule(() -> seen[0] = time.nanoTime(), 300);
        time.advance(Duration.ofSeconds(1));
        assertThat(seen[0]).isEqualTo(300);
    }

    @Test
    void cancelledTasksNeverRun() {
        VirtualTime time = new VirtualTime();
        List<String> ran = new ArrayList<>();
        Cancellable handle = time.schedule(() -> ran.add("x"), 10);
        assertThat(handle.cancel()).isTrue();
        assertThat(handle.cancel()).isFalse();
        time.advance(Duration.ofSeconds(1));
        assertThat(ran).isEmpty();
    }

    @Test
    void runUntilIdleStopsARunawayTaskLoud() {
        VirtualTime time = new VirtualTime();
        Runnable[] forever = new Runnable[1];
        forever[0] = () -> time.schedule(forever[0], 1);
        time.schedule(forever[0], 1);
        assertThatThrownBy(() -> time.runUntilIdle(100)).isInstanceOf(IllegalStateException.class)
                .hasMessage("still 1 tasks queued after running 100");
    }

    @Test
    void sleepAdvancesAndIsRecorded() throws InterruptedException {
        VirtualTime time = new VirtualTime();
        time.sleep(Duration.ofMinutes(2).toNanos());
        assertThat(time.elapsed()).isEqualTo(Duration.ofMinutes(2));
        assertThat(time.sleeps()).containsExactly(Duration.ofMinutes(2));
        assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1))).hasMessageContaining("backwards");
    }

    @Test
    void durationsReadLikeAPersonWroteThem() {
        assertThat(Durations.describe(Duration.ofMillis(312))).isEqualTo("312 ms");
        assertThat(Durations.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Durations.describe(Duration.ofSeconds(45))).isEqualTo("45 s");
        assertThat(Durations.describe(Duration.ofSeconds(150))).isEqualTo("2 min 30 s");
        assertThat(Durations.describe(Duration.ofHours(10))).isEqualTo("10 h");
    }
}
