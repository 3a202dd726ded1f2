package dev.endure.bench.contention;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.jdbc.TransactionRunner;
import dev.endure.jdbc.example.AuthorizationUnits;
import dev.endure.jdbc.example.Caller;
import dev.endure.jdbc.example.Role;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Runs one cell of the contention curve: Endure in one of three set-ups, or pgbench with the same SQL. */
final class CurveCells {

    /** How Endure runs the transaction. */
    enum Variant {
        PER_CLIENT("per-client", "endure, connection per client"), FIXED("fixed", "endure, fixed limit"),
        ADAPTIVE("adaptive", "endure, adaptive limit");

        final String key;
        final String label;

        Variant(String key, String label) {
            this.key = key;
            this.label = label;
        }
    }

    /** Seed 000's reserve, in pgbench's words: read the row, write values computed from it, insert the reservation. */
    static final String PGBENCH_SCRIPT = String.join("\n",
            "\\set aid random(1, :authorizations)",
            "BEGIN;",
            "SELECT organization_id, total_units, used_units, scheduled_units FROM authorizations WHERE id = :aid \\gset",
            "UPDATE authorizations SET used_units = :used_units, scheduled_units = :scheduled_units + 1 WHERE id = :aid;",
            "INSERT INTO unit_reservations (authorization_id, units, status, reserved_by) VALUES (:aid, 1, 'SCHEDULED', 'pgbench');",
            "COMMIT;", "");

    private final CurveDatabase database;
    private final int authorizations;
    private final Duration duration;
    private final int maxAttempts;
    private final int fixedLimit;

    CurveCells(CurveDatabase database, int authorizations, Duration duration, int maxAttempts, int fixedLimit) {
        this.database = database;
        this.authorizations = authorizations;
        this.duration = duration;
        this.maxAttempts = maxAttempts;
        this.fixedLimit = fixedLimit;
    }

    CurveRow endure(String databaseLabel, Variant variant, int clients) throws Exception {
        database.reset(authorizations, 1_000_000_000);
        int connections = database.connectionsFor(clients);
        try (HikariDataSource pool = database.pool(connections)) {
            TransactionRunner.Builder builder = TransactionRunner.builder(pool)
                    .retryPolicy(TransactionRunner.policyBuilder().maxAttempts(maxAttempts).build());
            switch (variant) {
                case PER_CLIENT -> builder.concurrencyLimit(null);
                case FIXED -> builder.concurrencyLimit(ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("fixed", fixedLimit)
                        .maxWait(Duration.ofSeconds(30)).build()));
                case ADAPTIVE -> builder.adaptiveConcurrencyLimit(); // as a user gets it: the policy for this database
            }
            TransactionRunner runner = builder.build();
            ConcurrencyLimit limit = runner.concurrencyLimit().orElse(null);
            AuthorizationUnits service = new AuthorizationUnits(pool, runner);
            LongAdder commits = new LongAdder();
            LongAdder serializationFailures = new LongAdder();
            LongAdder otherFailures = new LongAdder();
            long[][] latencies = new long[clients][];
            int[] counts = new int[clients];
            CountDownLatch start = new CountDownLatch(1);
            long[] deadline = new long[1];
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                Caller caller = new Caller("client-" + c, Role.SCHEDULER, 1);
                Thread thread = new Thread(() -> {
                    long[] mine = new long[1024];
                    int n = 0;
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    while (System.nanoTime() < deadline[0]) {
                        long begin = System.nanoTime();
                        try {
                            service.reserve(caller, 1 + random.nextInt(authorizations), 1);
                            commits.increment();
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, n * 2);
                            }
                            mine[n++] = System.nanoTime() - begin;
                        } catch (Exception failure) {
                            if (Outcome.of(failure).serializationFailure()) {
                                serializationFailures.increment();
                            } else {
                                otherFailures.increment();
                            }
                        }
                    }
                    latencies[client] = mine;
                    counts[client] = n;
                }, "curve-client-" + c);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            long begin = System.nanoTime();
            deadline[0] = begin + duration.toNanos();
            start.countDown();
            double meanLimit = limit == null ? -1 : sampleLimit(limit, deadline[0]);
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(2));
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            long[] all = merge(latencies, counts);
            return new CurveRow(databaseLabel, variant.label, clients, connections, seconds, commits.sum(), serializationFailures.sum(),
                    otherFailures.sum(), runner.stats().snapshot().attempts(), percentile(all, 50), percentile(all, 99),
                    database.overbooked() + database.miscounted(), limit == null ? -1 : limit.limit(), meanLimit, "");
        }
    }

    /** The limit's mean until {@code deadline}, read every 10 ms: where it sat, which its last value does not say. */
    private static double sampleLimit(ConcurrencyLimit limit, long deadline) throws InterruptedException {
        long sum = 0;
        long samples = 0;
        while (System.nanoTime() < deadline) {
            sum += limit.limit();
            samples++;
            Thread.sleep(10);
        }
        return samples == 0 ? limit.limit() : (double) sum / samples;
    }

    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final Pattern RETRIES = Pattern.compile("total number of retries: (\\d+)");
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern CONNECTING = Pattern.compile("initial connection time = ([0-9.]+) ms");
    /** Runs of a pgbench cell at most: the first learns how long its clients take to connect, if longer than allowed. */
    private static final int PGBENCH_ROUNDS = 3;

    /**
     * pgbench with the same SQL. Like Endure's cells, whose pools are full before the clock starts, pgbench's goodput
     * excludes connecting: its {@code -T} counts from before its clients connect (pgbench 14+ then starts them all
     * together and reports tps "without initial connection time"), so the run gets {@code -T} = the cell's duration
     * plus the time its clients took to connect, and is run again with a longer allowance when connecting took more
     * than allowed (256 connections on a loaded machine took longer than a whole cell).
     */
    CurveRow pgbench(String pgbench, int clients, int maxTries) throws Exception {
        long allowance = 1;
        for (int round = 1; ; round++) {
            database.reset(authorizations, 1_000_000_000);
            Path work = Files.createTempDirectory("endure-curve-pgbench");
            try {
                String output = runPgbench(pgbench, clients, maxTries, work, duration.toSeconds() + allowance);
                long processed = find(PROCESSED, output);
                double tps = processed == 0 ? 0 : Double.parseDouble(group(TPS, output));
                double connectMillis = findDecimal(CONNECTING, output);
                double measured = tps > 0 ? processed / tps : 0;
                if (measured < duration.toMillis() / 1000.0 && !Double.isNaN(connectMillis) && round < PGBENCH_ROUNDS) {
                    long longer = (long) Math.ceil((connectMillis * 1.25 + 500) / 1000);
                    System.err.printf(Locale.ROOT, "pgbench, %d clients: connecting took %.1f s of the %d s allowed; again with %d s%n",
                            clients, connectMillis / 1000, allowance, longer);
                    allowance = longer;
                    continue; // connecting took more than allowed: the run measured less than a cell
                }
                return pgbenchRow(output, work, clients, maxTries, processed, tps, connectMillis);
            } finally {
                try (Stream<Path> files = Files.list(work)) {
                    for (Path file : files.toList()) {
                        Files.deleteIfExists(file);
                    }
                }
                Files.deleteIfExists(work);
            }
        }
    }

    private String runPgbench(String pgbench, int clients, int maxTries, Path work, long seconds) throws Exception {
        Path script = work.resolve("reserve.sql");
        Files.writeString(script, PGBENCH_SCRIPT, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(pgbench, "-n", "-c", String.valueOf(clients),
                "-j", String.valueOf(Math.min(clients, Runtime.getRuntime().availableProcessors())),
                "-T", String.valueOf(Math.max(1, seconds)), "-f", script.toString(),
                "-D", "authorizations=" + authorizations, "--max-tries=" + maxTries, "--failures-detailed",
                "-l", "--log-prefix=" + work.resolve("log")));
        command.addAll(database.pgbenchConnection());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGOPTIONS", database.pgOptions());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds + 120, TimeUnit.SECONDS) || process.exitValue() > 2) {
            throw new IllegalStateException("pgbench failed (exit " + process.exitValue() + "):\n" + output);
        }
        return output;
    }

    private CurveRow pgbenchRow(String output, Path work, int clients, int maxTries, long processed, double tps, double connectMillis)
            throws Exception {
        long failed = find(FAILED, output);
        long retries = find(RETRIES, output);
        long[] latencies = pgbenchLatencies(work);
        int overbooked = database.overbooked() + database.miscounted();
        String variant = maxTries <= 1 ? "pgbench, no retry" : "pgbench, --max-tries=" + maxTries;
        String connecting = Double.isNaN(connectMillis) ? "" : String.format(Locale.ROOT, "; %.1f s connecting, not counted", connectMillis / 1000);
        // Still nothing after the last round (a machine so loaded that connecting outgrew every allowance): goodput 0, said so.
        String note = "immediate retries, no backoff" + connecting + (processed == 0 ? "; committed nothing in the cell" : "");
        return new CurveRow("PostgreSQL", variant, clients, clients, tps > 0 ? processed / tps : duration.toSeconds(), processed,
                failed, 0, processed + failed + retries, percentile(latencies, 50), percentile(latencies, 99), overbooked, -1, -1, note);
    }

    /** Committed transactions' latencies (µs → ns) from pgbench's per-transaction logs; failed ones are skipped. */
    private static long[] pgbenchLatencies(Path work) throws IOException {
        List<Long> values = new ArrayList<>();
        try (Stream<Path> files = Files.list(work)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("log")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String[] fields = line.split(" ");
                    if (fields.length > 2 && !fields[2].isEmpty() && Character.isDigit(fields[2].charAt(0))) {
                        values.add(Long.parseLong(fields[2]) * 1000);
                    }
                }
            }
        }
        long[] all = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(all);
        return all;
    }

    private static long find(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static double findDecimal(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    private static String group(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("pgbench printed no " + pattern.pattern() + ":\n" + output);
        }
        return matcher.group(1);
    }

    private static long[] merge(long[][] parts, int[] counts) {
        int total = 0;
        for (int count : counts) {
            total += count;
        }
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                System.arraycopy(parts[i], 0, all, at, counts[i]);
                at += counts[i];
            }
        }
        Arrays.sort(all);
        return all;
    }

    static double percentile(long[] sortedNanos, double percent) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sortedNanos.length - 1, Math.max(0, Math.ceil(sortedNanos.length * percent / 100.0) - 1));
        return sortedNanos[index] / 1e6;
    }

    static String describe(Duration duration) {
        return String.format(Locale.ROOT, "%d s", duration.toSeconds());
    }
}
