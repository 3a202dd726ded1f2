package dev.endure.bench.contention;

import dev.endure.jdbc.TransactionRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The SERIALIZABLE contention curve: seed 000's reserve on a few hot authorizations with units to spare (so every
 * operation should commit) at 1 to 256 clients, run by pgbench (immediate retries, and none), by Endure with one
 * connection per client, behind a fixed limit and behind the adaptive limit; then Endure again on MariaDB.
 *
 * <pre>
 * mvn -B -q -pl endure-bench -am package -DskipTests
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.contention.ContentionCurve --json curve.json
 * </pre>
 */
@Command(name = "contention-curve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Goodput, serialization failures reaching the caller, attempts per commit, p50/p99 and overbooking of"
                + " SERIALIZABLE reservations on hot rows, from 1 to 256 clients: pgbench vs Endure with and without a concurrency limit.")
public final class ContentionCurve implements Callable<Integer> {

    @Option(names = "--pg-url", description = "PostgreSQL JDBC URL (default: a private embedded server, so that 256 clients"
            + " can each hold a connection); 'none' to skip PostgreSQL.")
    String pgUrl;

    @Option(names = "--pg-max-connections", description = "Connections a PostgreSQL pool may open at most (default: one per"
            + " client). Below the client count, Endure's clients share the pool, for telling the pool's size from the limit's"
            + " work; pgbench still opens one per client.")
    Integer pgMaxConnections;

    @Option(names = "--mariadb-url", description = "MariaDB JDBC URL (default: ${DEFAULT-VALUE}); 'none' to skip MariaDB.",
            defaultValue = "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable")
    String mariadbUrl;

    @Option(names = "--mariadb-max-connections", description = "Connections a MariaDB pool may open at most (default:"
            + " ${DEFAULT-VALUE}, leaving a shared server's other users room).", defaultValue = "100")
    int mariadbMaxConnections;

    @Option(names = "--clients", split = ",", description = "Client counts (default: ${DEFAULT-VALUE}).", defaultValue = "1,4,16,64,256")
    List<Integer> clients;

    @Option(names = "--duration", description = "Time per cell (default: ${DEFAULT-VALUE}).", defaultValue = "PT6S")
    Duration duration;

    @Option(names = "--authorizations", description = "Hot authorizations the clients share (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int authorizations;

    @Option(names = "--max-attempts", description = "Attempts per transaction, Endure and pgbench --max-tries alike"
            + " (default: ${DEFAULT-VALUE}, seed 000).", defaultValue = "5")
    int maxAttempts;

    @Option(names = "--fixed-limit", description = "The fixed limit's size (default: 2 × cores + 1, HikariCP's pool rule).")
    Integer fixedLimit;

    @Option(names = "--pgbench", description = "The pgbench executable (default: ${DEFAULT-VALUE}); 'none' to skip it.",
            defaultValue = "pgbench")
    String pgbench;

    @Option(names = "--variants", split = ",", description = "What to run (default: ${DEFAULT-VALUE}).",
            defaultValue = "pgbench,per-client,fixed,adaptive")
    List<String> variants;

    @Option(names = "--json", description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).", defaultValue = "contention-curve.json")
    Path json;

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(new CommandLine(new ContentionCurve()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int fixed = fixedLimit != null ? fixedLimit : ContentionHarness.defaultPoolSize();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<CurveRow> rows = new ArrayList<>();
        List<String> servers = new ArrayList<>();
        if (!"none".equals(pgUrl)) {
            runPostgres(out, fixed, rows, servers);
        }
        if (!"none".equals(mariadbUrl)) {
            try (CurveDatabase mariadb = CurveDatabase.mariadb(mariadbUrl, mariadbMaxConnections)) {
                servers.add("MariaDB: " + mariadb.description());
                out.println("MariaDB: " + mariadb.description());
                CurveCells cells = new CurveCells(mariadb, authorizations, duration, maxAttempts, fixed);
                for (int count : clients) {
                    for (CurveCells.Variant variant : chosen()) {
                        rows.add(print(out, cells.endure("MariaDB", variant, count)));
                    }
                }
            }
        }
        out.println();
        out.println(String.format(Locale.ROOT, "%d hot authorizations, reserve 1 unit (units to spare), SERIALIZABLE, %s per cell,"
                + " %d attempts (Endure: seed 000's backoff; pgbench: immediate), fixed limit %d, adaptive (adaptiveConcurrencyLimit():"
                + " the policy for the database): %s; on MariaDB overload tolerance %.3f",
                authorizations, CurveCells.describe(duration), maxAttempts, fixed, TransactionRunner.DEFAULT_LIMIT_POLICY,
                TransactionRunner.LOCKING_DATABASE_LIMIT_POLICY.overloadTolerance()));
        servers.forEach(out::println);
        out.println();
        out.println(CurveRow.markdownHeader());
        rows.forEach(row -> out.println(row.markdown()));
        out.println();
        out.println(summary(rows));
        Files.writeString(json, "{\"rows\":[\n" + rows.stream().map(CurveRow::json).collect(Collectors.joining(",\n")) + "\n]}\n",
                StandardCharsets.UTF_8);
        out.println("JSON report: " + json.toAbsolutePath());
        boolean intact = rows.stream().allMatch(row -> row.overbooked() == 0);
        return intact ? 0 : 2;
    }

    private void runPostgres(PrintStream out, int fixed, List<CurveRow> rows, List<String> servers) throws Exception {
        try (CurveDatabase postgres = CurveDatabase.postgres(pgUrl, pgMaxConnections != null ? pgMaxConnections : Integer.MAX_VALUE)) {
            servers.add("PostgreSQL: " + postgres.description());
            out.println("PostgreSQL: " + postgres.description());
            CurveCells cells = new CurveCells(postgres, authorizations, duration, maxAttempts, fixed);
            // Warm the JIT and the server, unreported, so the first cell is not the slow one: every chosen variant, with
            // callers waiting for slots. (3 s of the adaptive limit at 4 clients left the first cell of a run about a
            // quarter below the same cell later in the run, which skewed paired runs that start at 64 clients.)
            Duration warmUp = duration.compareTo(Duration.ofSeconds(3)) < 0 ? duration : Duration.ofSeconds(3);
            CurveCells warming = new CurveCells(postgres, authorizations, warmUp, maxAttempts, fixed);
            for (CurveCells.Variant variant : chosen()) {
                warming.endure("warm-up", variant, 16);
            }
            for (int count : clients) {
                if (!"none".equals(pgbench) && variants.contains("pgbench")) {
                    rows.add(print(out, cells.pgbench(pgbench, count, 1)));
                    rows.add(print(out, cells.pgbench(pgbench, count, maxAttempts)));
                }
                for (CurveCells.Variant variant : chosen()) {
                    rows.add(print(out, cells.endure("PostgreSQL", variant, count)));
                }
            }
        }
    }

    private List<CurveCells.Variant> chosen() {
        List<CurveCells.Variant> chosen = new ArrayList<>();
        for (CurveCells.Variant variant : CurveCells.Variant.values()) {
            if (variants.contains(variant.key)) {
                chosen.add(variant);
            }
        }
        return chosen;
    }

    private static CurveRow print(PrintStream out, CurveRow row) {
        System.err.println(row.markdown());
        return row;
    }

    /** The goals at the highest client count, as ratios within this one run. */
    static String summary(List<CurveRow> rows) {
        int most = rows.stream().mapToInt(CurveRow::clients).max().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String database : List.of("PostgreSQL", "MariaDB")) {
            double peak = rows.stream().filter(r -> r.database().equals(database)).mapToDouble(CurveRow::goodput).max().orElse(Double.NaN);
            CurveRow adaptive = find(rows, database, CurveCells.Variant.ADAPTIVE.label, most);
            if (adaptive == null) {
                continue;
            }
            text.append(String.format(Locale.ROOT, "%s at %d clients, adaptive: goodput %.0f/s = %.2f× the curve's peak (%.0f/s)",
                    database, most, adaptive.goodput(), adaptive.goodput() / peak, peak));
            CurveRow pgbenchRetries = rows.stream().filter(r -> r.database().equals(database) && r.clients() == most
                    && r.variant().startsWith("pgbench, --max-tries")).findFirst().orElse(null);
            if (pgbenchRetries != null) {
                text.append(String.format(Locale.ROOT, ", %.1f× pgbench with retries (%.0f/s)", adaptive.goodput() / pgbenchRetries.goodput(),
                        pgbenchRetries.goodput()));
            }
            text.append(String.format(Locale.ROOT, "; %d serialization failures reached a caller; %d overbooked; %.2f attempts per commit%n",
                    adaptive.failuresToCaller(), adaptive.overbooked(), adaptive.attemptsPerCommit()));
        }
        return text.toString();
    }

    private static CurveRow find(List<CurveRow> rows, String database, String variant, int clients) {
        return rows.stream().filter(r -> r.database().equals(database) && r.variant().equals(variant) && r.clients() == clients)
                .findFirst().orElse(null);
    }
}
