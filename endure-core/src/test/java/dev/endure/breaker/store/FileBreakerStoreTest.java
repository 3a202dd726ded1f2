package dev.endure.breaker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerSnapshot;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBreakerStoreTest {

    @TempDir
    Path directory;

    @Test
    void anOpenBreakerIsStillOpenWithItsRemainingTimeAndGrowthStepAfterARestart() {
        VirtualTime time = new VirtualTime();
        CircuitBreaker before = CircuitBreaker.builder(BreakerProcess.policy("billing")).clock(time)
                .store(FileBreakerStore.in(directory)).build();
        before.acquirePermission().recordFailure(0);
        time.advance(Duration.ofHours(1));
        before.acquirePermission().recordFailure(0); // trial fails: open 2 h, step 1
        time.advance(Duration.ofMinutes(30));

        // "restart": a new store and a new breaker on the same directory, nothing shared in memory
        CircuitBreaker after = CircuitBreaker.builder(BreakerProcess.policy("billing")).clock(time)
                .store(FileBreakerStore.in(directory)).build();
        BreakerSnapshot restored = after.snapshot();
        assertThat(restored.state()).isEqualTo(BreakerState.OPEN);
        assertThat(restored.openStep()).isEqualTo(1);
        assertThat(restored.retryAfter()).isEqualTo(Duration.ofMinutes(90));

        time.advance(Duration.ofMinutes(90));
        after.acquirePermission().recordFailure(0); // the next trial fails too: the growth goes on from step 1
        assertThat(after.snapshot().openStep()).isEqualTo(2);
        assertThat(after.snapshot().retryAfter()).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void aBreakerThatClosedBeforeTheRestartStartsClosed() {
        VirtualTime time = new VirtualTime();
        CircuitBreaker before = CircuitBreaker.builder(BreakerProcess.policy("billing")).clock(time)
                .store(FileBreakerStore.in(directory)).build();
        before.acquirePermission().recordFailure(0);
        time.advance(Duration.ofHours(1));
        before.acquirePermission().recordSuccess(0);
        assertThat(before.state()).isEqualTo(BreakerState.CLOSED);
        CircuitBreaker after = CircuitBreaker.builder(BreakerProcess.policy("billing")).clock(time)
                .store(FileBreakerStore.in(directory)).build();
        assertThat(after.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(after.snapshot().openStep()).isZero();
    }

    @Test
    void writesAreAtomicRenamesThatLeaveNoTemporaryFilesBehind() throws Exception {
        FileBreakerStore store = FileBreakerStore.in(directory);
        CircuitBreaker breaker = CircuitBreaker.builder(BreakerProcess.policy("billing/eu west")).clock(new VirtualTime())
                .store(store).build();
        for (int i = 0; i < 20; i++) {
            breaker.forceOpen();
            breaker.reset();
        }
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("billing%2Feu%20west.breaker");
        }
        assertThat(store.load("billing/eu west")).hasValueSatisfying(stored -> {
            assertThat(stored.state()).isEqualTo(BreakerState.CLOSED);
            assertThat(stored.version()).isEqualTo(40);
        });
    }

    @Test
    void aDamagedFileIsReportedByNameAndTheBreakerStartsClosed() throws Exception {
        FileBreakerStore store = FileBreakerStore.in(directory);
        Files.writeString(store.fileOf("billing"), "name=billing\nstate=AJAR\n");
        assertThatThrownBy(() -> store.load("billing"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("billing.breaker is not a valid record");
        CircuitBreaker breaker = CircuitBreaker.builder(BreakerProcess.policy("billing")).store(store).build();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void anotherJvmThatOpenedTheBreakerAndExitedLeavesItOpenHere() throws Exception {
        try (JavaProcess other = JavaProcess.start(BreakerProcess.class, "file-trip", directory.toString(), "billing")) {
            assertThat(other.awaitLine("OPEN", Duration.ofSeconds(60))).startsWith("OPEN step=1");
            assertThat(other.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        // that JVM is gone; this one starts from its file, on the real wall clock
        VirtualTime time = new VirtualTime(Instant.now());
        CircuitBreaker breaker = CircuitBreaker.builder(BreakerProcess.policy("billing")).clock(time)
                .store(FileBreakerStore.in(directory)).build();
        BreakerSnapshot restored = breaker.snapshot();
        assertThat(restored.state()).isEqualTo(BreakerState.OPEN);
        assertThat(restored.openStep()).isEqualTo(1);
        // it opened for 2 h (in its virtual hour), a few seconds of real time ago at most
        assertThat(restored.retryAfter()).isBetween(Duration.ofHours(3).minusMinutes(5), Duration.ofHours(3));
    }
}
