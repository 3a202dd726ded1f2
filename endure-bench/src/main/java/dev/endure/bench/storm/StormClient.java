package dev.endure.bench.storm;

import dev.endure.budget.store.JdbcRetryBudgetStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One client JVM of the storm run: for each variant, in its slot of the schedule, {@code callers} threads
 * each start a call every {@code 1 / rate} seconds (a call that takes longer skips the starts it missed).
 * Prints, per variant, the calls started and succeeded in each phase and when the last failed call after the
 * heal ended.
 *
 * <p>Arguments: schedule, service URI, callers, calls per second per caller, JDBC URL of the shared budgets.
 */
public final class StormClient {

    /** Calls started this close to the outage are left out of the 5 % failure figures. */
    static final long EDGE_MILLIS = 500;

    private StormClient() {}

    public static void main(String[] args) throws Exception {
        List<Variant> variants = java.util.Arrays.stream(args[0].split(",")).map(Variant::valueOf).toList();
        URI base = URI.create(args[1]);
        int callers = Integer.parseInt(args[2]);
        double rate = Double.parseDouble(args[3]);
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(args[4]);
        java.io.BufferedReader commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.UTF_8));
        HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        try (JdbcRetryBudgetStore store = JdbcRetryBudgetStore.builder(dataSource).build()) {
            List<Variant.Call> calls = new ArrayList<>();
            List<dev.endure.budget.RetryBudget> shared = new ArrayList<>();
            for (Variant variant : variants) {
                calls.add(variant.build(jdk, base, store, shared::add));
            }
            // Warm the JDK's HTTP stack and connection pool, so the first variant's first calls are not the slowest.
            java.net.http.HttpRequest warm = java.net.http.HttpRequest.newBuilder(base.resolve("/warm")).build();
            for (int i = 0; i < 200; i++) {
                jdk.send(warm, java.net.http.HttpResponse.BodyHandlers.discarding());
            }
            System.out.println("READY");
            String start = commands.readLine(); // "START <schedule>", once every client JVM is ready
            if (start == null || !start.startsWith("START ")) {
                throw new IllegalStateException("expected START, got " + start);
            }
            Schedule schedule = Schedule.decode(start.substring("START ".length()));
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                for (int index = 0; index < schedule.variants().size(); index++) {
                    run(schedule, index, calls.get(index), callers, rate, pool);
                }
            } finally {
                pool.shutdownNow();
            }
            long alone = shared.stream().mapToLong(dev.endure.budget.RetryBudget::decisionsWithoutClusterView).sum();
            System.out.println("ALONE " + alone);
        }
        System.exit(0);
    }

    private static void run(Schedule schedule, int index, Variant.Call call, int callers, double rate, ExecutorService pool)
            throws Exception {
        int phases = Schedule.Phase.values().length;
        AtomicLongArray started = new AtomicLongArray(phases);
        AtomicLongArray succeeded = new AtomicLongArray(phases);
        AtomicLong lastFailureEnd = new AtomicLong(-1);
        long interval = (long) (1000 / rate);
        long heal = schedule.healAt(index);
        List<Future<?>> running = new ArrayList<>();
        for (int caller = 0; caller < callers; caller++) {
            running.add(pool.submit(() -> {
                long next = schedule.slotStart(index) + ThreadLocalRandom.current().nextLong(interval);
                while (next < schedule.slotEnd(index)) {
                    long wait = next - System.currentTimeMillis();
                    if (wait > 0) {
                        Thread.sleep(wait);
                    }
                    long now = System.currentTimeMillis();
                    Schedule.Phase phase = schedule.phase(index, now);
                    if (phase == Schedule.Phase.FLAKY && now > schedule.outageStart(index) - EDGE_MILLIS) {
                        phase = Schedule.Phase.BEFORE; // its retries would meet the outage: counted nowhere
                    }
                    started.incrementAndGet(phase.ordinal());
                    boolean ok;
                    try {
                        ok = call.call();
                    } catch (Exception failed) {
                        ok = false;
                    }
                    long end = System.currentTimeMillis();
                    if (ok) {
                        succeeded.incrementAndGet(phase.ordinal());
                    } else if (end >= heal) {
                        lastFailureEnd.accumulateAndGet(end, Math::max);
                    }
                    next += interval;
                    while (next < end) {
                        next += interval;
                    }
                }
                return null;
            }));
        }
        for (Future<?> caller : running) {
            caller.get(schedule.slotMillis() * 3, TimeUnit.MILLISECONDS);
        }
        Variant variant = schedule.variants().get(index);
        for (Schedule.Phase phase : List.of(Schedule.Phase.FLAKY, Schedule.Phase.DOWN, Schedule.Phase.HEALED)) {
            System.out.println("RESULT " + variant.name() + " " + phase.name() + " " + started.get(phase.ordinal()) + " "
                    + succeeded.get(phase.ordinal()));
        }
        long last = lastFailureEnd.get();
        System.out.println("LASTFAIL " + variant.name() + " " + (last < 0 ? 0 : last - heal));
    }
}
