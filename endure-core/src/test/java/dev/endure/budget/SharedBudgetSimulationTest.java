package dev.endure.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Cancellable;
import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** The shared budget's rule over a simulated outage, on virtual time: three instances, staggered syncs. */
class SharedBudgetSimulationTest {

    /** The sync protocol of the JDBC store, in memory: read the others' rows, decide, publish. */
    static final class RowsInMemory implements BudgetStore {
        final Map<Object, BudgetStore.Counts> rows = new LinkedHashMap<>();
        final List<Runnable> syncs = new ArrayList<>();

        @Override
        public Cancellable share(String name, Supplier<Counts> local, ToLongFunction<Sync> onSync) {
            Object me = new Object();
            syncs.add(() -> {
                Counts others = Counts.NONE;
                int instances = 0;
                for (Map.Entry<Object, Counts> row : rows.entrySet()) {
                    if (row.getKey() != me) {
                        others = others.plus(row.getValue());
                        instances++;
                    }
                }
                Counts counts = local.get();
                long reserved = onSync.applyAsLong(new Sync(counts, others, instances));
                rows.put(me, new Counts(counts.deposits(), counts.withdrawals(), reserved));
            });
            return () -> true;
        }

        @Override
        public Duration staleAfter() {
            return Duration.ofHours(1);
        }
    }

    @Test
    void aClusterOfThreeRetriesAtMostTheRatioOfItsCallsThroughAnOutage() {
        long[] callsAndRetries = outage(300, 1300);
        assertThat(callsAndRetries[0]).isEqualTo(177);
        assertThat(callsAndRetries[1]).as("10 %% of the 177 outage calls, or the floor of 10 per 10 s window").isLessThanOrEqualTo(18);
    }

    /**
     * Issue 16: over a minute, the retries funded by the calls before the outage and the bursts that followed each
     * window's retries leaving it gave the storm bench's shared budget 1.11×; the look-back holds it to the ratio.
     */
    @Test
    void aClusterOfThreeRetriesAtMostTheRatioOfItsCallsThroughAMinuteLongOutage() {
        long[] callsAndRetries = outage(1000, 1000 + 6050);
        assertThat(callsAndRetries[1]).as("of %d calls", callsAndRetries[0]).isLessThanOrEqualTo(callsAndRetries[0] / 10);
    }

    /** Ticks of 10 ms; 6 calls a second per instance, healthy until {@code outageFrom}, then dead with 2 retries wanted per call. */
    private static long[] outage(int outageFrom, int ticks) {
        VirtualTime time = new VirtualTime();
        RowsInMemory store = new RowsInMemory();
        List<RetryBudget> budgets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            budgets.add(RetryBudget.shared(RetryBudgetPolicy.named("billing"), store, time));
        }
        long calls = 0;
        long retries = 0;
        for (int tick = 0; tick < ticks; tick++) {
            boolean outage = tick >= outageFrom;
            if (tick % 50 == 0) {
                store.syncs.get(0).run();
            } else if (tick % 50 == 17) {
                store.syncs.get(1).run();
            } else if (tick % 50 == 34) {
                store.syncs.get(2).run();
            }
            if (tick % 17 == 0) {
                for (RetryBudget budget : budgets) {
                    budget.onCall();
                    if (outage) {
                        calls++;
                        for (int retry = 0; retry < 2 && budget.tryAcquireRetry(); retry++) {
                            retries++;
                        }
                    }
                }
            }
            time.advance(Duration.ofMillis(10));
        }
        return new long[] {calls, retries};
    }
}
