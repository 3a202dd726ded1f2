package dev.endure.bench.limit;

import dev.endure.jdbc.TransactionRunner;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The limit alone, without a database: {@code --threads} closed-loop clients share {@code --limit} slots, each call
 * holding its slot off the CPU for {@code --hold} (parked, as a transaction waits on its database). With the slots
 * always taken, the most calls a second there can be is {@code limit / hold}; what the limit's FIFO hand-off loses
 * shows as the gap, and whether that gap grows with the number of waiting clients (64 against 256) is the question
 * it answers. A fair {@link Semaphore} with the same slots runs alongside, as a reference hand-off.
 *
 * <pre>
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.limit.HandOffBench --threads 64,256,64,256
 * </pre>
 */
@Command(name = "hand-off-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Calls per second through a concurrency limit whose slots are always taken, by number of waiting clients.")
public final class HandOffBench implements Callable<Integer> {

    @Option(names = "--threads", split = ",", description = "Client threads per cell (default: ${DEFAULT-VALUE}).",
            defaultValue = "64,256,64,256")
    List<Integer> threads;

    @Option(names = "--limit", description = "Slots (default: ${DEFAULT-VALUE}, where the contention curve's limits sit).",
            defaultValue = "5")
    int limit;

    @Option(names = "--hold", description = "How long a call holds its slot, parked (default: ${DEFAULT-VALUE}).", defaultValue = "PT0.001S")
    Duration hold;

    @Option(names = "--duration", description = "Time per cell (default: ${DEFAULT-VALUE}).", defaultValue = "PT5S")
    Duration duration;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HandOffBench()).execute(args));
    }

    /** One way of taking and giving back a slot. */
    private interface Slots {
        long enter() throws InterruptedException;

        void leave(long permit);
    }

    @Override
    public Integer call() throws Exception {
        System.out.println("| clients | slots | hold | variant | calls/s | of limit / mean hold | mean hold µs |");
        System.out.println("|--:|--:|--:|---|--:|--:|--:|");
        for (int count : threads) {
            ConcurrencyLimit fixed = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("hand-off", limit).maxWait(Duration.ofSeconds(30)).build());
            cell(count, "endure fixed limit", new Slots() {
                @Override
                public long enter() {
                    return fixed.acquire();
                }

                @Override
                public void leave(long permit) {
                    fixed.release(permit);
                }
            });
            // The adaptive limit's own path (latency samples, windows closing under their lock) with its level pinned, so
            // that the cell compares hand-offs at the same number of slots.
            ConcurrencyLimit adaptive = ConcurrencyLimit.of(TransactionRunner.DEFAULT_LIMIT_POLICY.toBuilder()
                    .initialLimit(limit).minLimit(limit).maxLimit(limit).build());
            cell(count, "endure adaptive, pinned", new Slots() {
                @Override
                public long enter() {
                    return adaptive.acquire();
                }

                @Override
                public void leave(long permit) {
                    adaptive.release(permit);
                }
            });
            Semaphore semaphore = new Semaphore(limit, true);
            cell(count, "fair Semaphore", new Slots() {
                @Override
                public long enter() throws InterruptedException {
                    semaphore.acquire();
                    return 0;
                }

                @Override
                public void leave(long permit) {
                    semaphore.release();
                }
            });
        }
        return 0;
    }

    private void cell(int count, String variant, Slots shared) throws InterruptedException {
        LongAdder calls = new LongAdder();
        LongAdder heldNanos = new LongAdder();
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    while (System.nanoTime() < deadline[0]) {
                        long permit = shared.enter();
                        long begin = System.nanoTime();
                        LockSupport.parkNanos(hold.toNanos());
                        heldNanos.add(System.nanoTime() - begin);
                        shared.leave(permit);
                        calls.increment();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "hand-off-" + i);
            thread.setDaemon(true);
            clients.add(thread);
            thread.start();
        }
        long begin = System.nanoTime();
        deadline[0] = begin + duration.toNanos();
        start.countDown();
        for (Thread thread : clients) {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        double meanHold = heldNanos.sum() / (double) Math.max(1, calls.sum());
        double ceiling = limit / (meanHold / 1e9);
        System.out.println(String.format(Locale.ROOT, "| %d | %d | %s | %s | %,.0f | %.2f | %.0f |", count, limit,
                hold.toMillis() + " ms", variant, calls.sum() / seconds, calls.sum() / seconds / ceiling, meanHold / 1e3));
    }
}
