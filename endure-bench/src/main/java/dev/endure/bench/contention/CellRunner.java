package dev.endure.bench.contention;

import dev.endure.jdbc.TransactionRunner;
import dev.endure.jdbc.example.AuthorizationUnits;
import dev.endure.jdbc.example.Caller;
import dev.endure.jdbc.example.Reservation;
import dev.endure.jdbc.example.Role;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Runs one scenario under one policy: fresh tables, {@code clients} threads in a closed loop until the operation
 * budget or the time is used up, then the integrity queries.
 */
final class CellRunner {

    private static final long ORGANIZATION = 1;

    private final DataSource pool;
    private final int clients;
    private final long operationBudget;
    private final Duration duration;
    private final int maxAttempts;
    private final boolean printConflicts;

    /**
     * @param operationBudget operations per cell, or 0 to run for {@code duration}
     */
    CellRunner(DataSource pool, int clients, long operationBudget, Duration duration, int maxAttempts, boolean printConflicts) {
        this.pool = pool;
        this.clients = clients;
        this.operationBudget = operationBudget;
        this.duration = duration;
        this.maxAttempts = maxAttempts;
        this.printConflicts = printConflicts;
    }

    CellResult run(Scenario scenario, PolicyChoice choice, ProgressBar progress) throws Exception {
        long[] authorizationIds = resetTables(scenario);
        RetryPolicy<Object> policy = choice.policy(maxAttempts);
        Recorder recorder = new Recorder(Math.max(1, policy.maxAttempts()), printConflicts);
        Retrier<Object> retrier = Retrier.builder(policy).listener(recorder).build();
        AuthorizationUnits service = new AuthorizationUnits(pool, TransactionRunner.builder(pool).retrier(retrier).build());
        AtomicLong budget = new AtomicLong(operationBudget > 0 ? operationBudget : Long.MAX_VALUE);
        AtomicLong scheduledSeen = new AtomicLong();
        AtomicLong usedSeen = new AtomicLong();

        ExecutorService executor = Executors.newFixedThreadPool(clients, runnable -> {
            Thread thread = new Thread(runnable, "contention-client");
            thread.setDaemon(true);
            return thread;
        });
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Caller caller = new Caller("client-" + c, Role.SCHEDULER, ORGANIZATION);
            futures.add(executor.submit(() -> {
                start.await();
                runClient(scenario, service, caller, authorizationIds, recorder, budget, deadline[0], scheduledSeen, usedSeen);
                return null;
            }));
        }
        String label = scenario.name() + " | " + choice.label();
        long begin = System.nanoTime();
        deadline[0] = operationBudget > 0 ? Long.MAX_VALUE : begin + duration.toNanos();
        progress.start(label, operationBudget, duration, recorder::completed);
        start.countDown();
        try {
            for (Future<?> future : futures) {
                future.get(); // a client never throws for an operation's failure; this surfaces harness bugs
            }
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            progress.stop();
        }
        double seconds = (System.nanoTime() - begin) / 1e9;

        Recorder.Merged merged = recorder.merge();
        int overbooked = service.overbooked().size();
        int miscounted = service.miscounted().size();
        long[] inDatabase = totals();
        boolean accounting = inDatabase[0] == scheduledSeen.get() && inDatabase[1] == usedSeen.get();
        long operations = merged.sortedLatencies().length;
        return new CellResult(scenario.name(), choice.label(), policy.toString().replace("RetryPolicy[", "").replaceAll("]$", ""),
                operations, seconds, merged.outcomes(), merged.reasons(), merged.attemptsHistogram(),
                retrier.stats().snapshot().attempts(), recorder.serializationFailedAttempts(), merged.serializationFailuresToCaller(),
                merged.percentileMillis(50), merged.percentileMillis(95), merged.percentileMillis(99), merged.percentileMillis(100),
                overbooked, miscounted, accounting);
    }

    /** One client's closed loop: reserve, or settle the oldest of its own reservations. */
    private static void runClient(Scenario scenario, AuthorizationUnits service, Caller caller, long[] authorizationIds,
            Recorder recorder, AtomicLong budget, long deadline, AtomicLong scheduledSeen, AtomicLong usedSeen) {
        Recorder.ClientLog log = recorder.log();
        Deque<Reservation> mine = new ArrayDeque<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (budget.getAndDecrement() > 0 && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            boolean reserve = mine.isEmpty() || random.nextDouble() < scenario.reserveShare();
            boolean consume = !reserve && random.nextDouble() < scenario.consumeShare();
            Reservation settling = reserve ? null : mine.peekFirst();
            recorder.beforeOperation();
            long begin = System.nanoTime();
            Outcome outcome;
            try {
                if (reserve) {
                    long id = authorizationIds[random.nextInt(authorizationIds.length)];
                    int units = scenario.minUnits() + random.nextInt(scenario.maxUnits() - scenario.minUnits() + 1);
                    Reservation reservation = service.reserve(caller, id, units);
                    mine.addLast(reservation);
                    scheduledSeen.addAndGet(units);
                } else if (consume) {
                    service.consume(caller, settling.id());
                    mine.removeFirst();
                    scheduledSeen.addAndGet(-settling.units());
                    usedSeen.addAndGet(settling.units());
                } else {
                    service.release(caller, settling.id());
                    mine.removeFirst();
                    scheduledSeen.addAndGet(-settling.units());
                }
                outcome = Outcome.OK;
            } catch (Exception failure) {
                outcome = Outcome.of(failure);
            }
            log.record(outcome, System.nanoTime() - begin, recorder.attemptsOfLastOperation());
            recorder.recordCompletion();
        }
    }

    /** Empties the tables and creates the scenario's authorizations in one batch; returns their ids. */
    private long[] resetTables(Scenario scenario) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("TRUNCATE unit_reservations, authorizations RESTART IDENTITY");
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO authorizations (organization_id, total_units, used_units, scheduled_units) VALUES (?, ?, 0, 0)")) {
                for (int i = 0; i < scenario.authorizations(); i++) {
                    insert.setLong(1, ORGANIZATION);
                    insert.setInt(2, scenario.unitsPerAuthorization());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            long[] ids = new long[scenario.authorizations()];
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SELECT id FROM authorizations ORDER BY id")) {
                int i = 0;
                while (rows.next()) {
                    ids[i++] = rows.getLong(1);
                }
            }
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("ANALYZE authorizations"); // a fresh table's plan must not be a sequential scan guess
            }
            return ids;
        }
    }

    /** Scheduled and used units summed over all authorizations. */
    private long[] totals() throws SQLException {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT COALESCE(SUM(scheduled_units), 0), COALESCE(SUM(used_units), 0) FROM authorizations")) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2)};
        }
    }
}
