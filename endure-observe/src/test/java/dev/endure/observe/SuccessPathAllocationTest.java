package dev.endure.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Bytes allocated per successful call, with and without metrics (HotSpot's per-thread allocation
 * counter; no timing involved). Counter-only metrics add no listener, so they must add nothing; the
 * events mode's cost is printed for the README, not asserted (it depends on the JIT's escape analysis).
 */
class SuccessPathAllocationTest {

    private static final int CALLS = 200_000;

    @Test
    void counterOnlyMetricsAddNoAllocationToTheSuccessPath() {
        double bare = bytesPerCall(Retrier.of(RetryPolicy.<String>builder().name("bare").build()));

        Retrier<String> counted = Retrier.of(RetryPolicy.<String>builder().name("counted").build());
        RetryMetrics.of(counted).bindTo(new SimpleMeterRegistry());
        double counters = bytesPerCall(counted);

        Retrier<String> evented = Retrier.of(RetryPolicy.<String>builder().name("evented").build());
        RetryMetrics.withEvents(evented).bindTo(new SimpleMeterRegistry());
        double events = bytesPerCall(evented);

        System.out.printf("bytes per successful call: no metrics %.2f, COUNTERS %.2f, EVENTS %.2f%n", bare, counters, events);
        assertThat(counters).isLessThanOrEqualTo(bare + 0.5);
    }

    private static double bytesPerCall(Retrier<String> retrier) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Supplier<String> work = () -> "ok";
        long sink = 0;
        for (int i = 0; i < CALLS; i++) {
            sink += retrier.get(work).length(); // warm-up, so the JIT has compiled what it will
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            sink += retrier.get(work).length();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sink).isEqualTo(2L * CALLS * 2);
        return (double) allocated / CALLS;
    }
}
