package dev.endure.bench.contention;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Seed 001 redone: the authorization-units service under real contention on PostgreSQL, every scenario under every
 * retry policy in one run, with the numbers seed 001 never measured (retries, exhaustion, serialization failures
 * reaching the caller) next to the overbooking query.
 *
 * <pre>
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.contention.ContentionHarness \
 *     --clients 64 --operations 10000 --json contention.json
 * </pre>
 */
@Command(name = "contention-harness", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs seed 001's scenarios against PostgreSQL under several retry policies and reports outcomes,"
                + " latency, attempts, serialization failures and the overbooking query.")
public final class ContentionHarness implements Callable<Integer> {

    @Option(names = "--url", description = "JDBC URL of a PostgreSQL (default: " + BenchDatabase.LOCAL_URL
            + " if it answers, else an embedded one).")
    String url;

    @Option(names = "--embedded", description = "Use an embedded PostgreSQL even if a local one answers (ignored with --url).")
    boolean embedded;

    @Option(names = "--scenarios", split = ",", description = "Scenarios to run (default: ${DEFAULT-VALUE}).",
            defaultValue = "high-contention,high-throughput,mixed")
    List<String> scenarios;

    @Option(names = "--policies", split = ",", description = "Policies to compare (default: ${DEFAULT-VALUE}).",
            defaultValue = "default,no-retry,fixed,exponential,full-jitter,decorrelated")
    List<String> policies;

    @Option(names = "--clients", description = "Concurrent clients, each in a closed loop (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int clients;

    @Option(names = "--pool-size", description = "Connections in the pool (default: the smaller of --clients and"
            + " 2 × this machine's cores + 1, HikariCP's sizing rule, right when PostgreSQL runs here as the local and embedded"
            + " defaults do). Clients beyond it wait for a connection; a retry's backoff holds none.")
    Integer poolSize;

    @Option(names = "--operations", description = "Operations per scenario and policy (default: ${DEFAULT-VALUE}); 0 to run for --duration.",
            defaultValue = "5000")
    long operations;

    @Option(names = "--duration", description = "Time per scenario and policy when --operations is 0, e.g. PT30S (default: ${DEFAULT-VALUE}).",
            defaultValue = "PT30S")
    Duration duration;

    @Option(names = "--max-attempts", description = "Attempts per operation for every retrying policy (default: ${DEFAULT-VALUE}, seed 000).",
            defaultValue = "5")
    int maxAttempts;

    @Option(names = "--contention-authorizations", description = "Authorizations in high-contention (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int contentionAuthorizations;

    @Option(names = "--throughput-authorizations", description = "Authorizations in high-throughput (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    int throughputAuthorizations;

    @Option(names = "--mixed-authorizations", description = "Authorizations in mixed (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int mixedAuthorizations;

    @Option(names = "--json", description = "Where to write the JSON report (default: ${DEFAULT-VALUE}).", defaultValue = "contention-report.json")
    Path json;

    @Option(names = "--no-progress", description = "Hide the progress bar.")
    boolean noProgress;

    @Option(names = "--keep-schema", description = "Keep the run's schema instead of dropping it.")
    boolean keepSchema;

    @Option(names = "--allow-seqscan", description = "Let the planner use sequential scans on the (tiny) tables; under"
            + " SERIALIZABLE each one locks a whole relation for SSI. By default the pool sets enable_seqscan = off.")
    boolean allowSeqScan;

    @Option(names = "--print-conflicts", description = "Print each distinct serialization failure message once, to stderr.")
    boolean printConflicts;

    /**
     * HikariCP's sizing rule (cores × 2 + one disk) for a PostgreSQL on this machine: more concurrent SERIALIZABLE
     * transactions than the server can run only add conflicts (BENCHMARKS.md measures 4, 8, 16 and 64 connections).
     */
    static int defaultPoolSize() {
        return 2 * Runtime.getRuntime().availableProcessors() + 1;
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(new CommandLine(new ContentionHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        List<Scenario> chosenScenarios = new ArrayList<>();
        for (String name : scenarios) {
            chosenScenarios.add(Scenario.named(name.trim(), contentionAuthorizations, throughputAuthorizations, mixedAuthorizations));
        }
        List<PolicyChoice> chosenPolicies = new ArrayList<>();
        for (String name : policies) {
            chosenPolicies.add(PolicyChoice.named(name.trim()));
        }
        int connections = poolSize != null ? poolSize : Math.min(clients, defaultPoolSize());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<CellResult> results = new ArrayList<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        try (BenchDatabase database = BenchDatabase.open(url, embedded, connections, keepSchema, allowSeqScan);
                ProgressBar progress = new ProgressBar(System.err, !noProgress)) {
            int[] server = database.connections();
            settings.put("database", database.description());
            settings.put("clients", clients);
            settings.put("poolSize", connections);
            settings.put(operations > 0 ? "operationsPerCell" : "durationPerCell", operations > 0 ? operations : duration.toString());
            settings.put("maxAttempts", maxAttempts);
            settings.put("isolation", "SERIALIZABLE");
            settings.put("enableSeqscan", allowSeqScan ? "on" : "off");
            settings.put("serverMaxConnections", server[0]);
            out.println("Contention harness: " + database.description() + "; " + clients + " clients, pool " + connections
                    + ", server max_connections " + server[0] + " (" + server[1] + " in use before the run)");
            CellRunner runner = new CellRunner(database.pool(), clients, operations, duration, maxAttempts, printConflicts);
            for (Scenario scenario : chosenScenarios) {
                for (PolicyChoice policy : chosenPolicies) {
                    results.add(runner.run(scenario, policy, progress));
                }
            }
        }
        for (PolicyChoice policy : chosenPolicies) {
            settings.put("policy " + policy.label(), policy.description() + (policy == PolicyChoice.NO_RETRY ? "" : ", " + maxAttempts + " attempts"));
        }
        out.println();
        out.print(Report.table(settings, chosenScenarios, results));
        Files.writeString(json, Report.json(settings, results), StandardCharsets.UTF_8);
        out.println("\nJSON report: " + json.toAbsolutePath());
        boolean intact = results.stream().allMatch(r -> r.overbooked() == 0 && r.miscounted() == 0 && r.accountingMatches());
        out.println(intact ? "Integrity: 0 overbooked, 0 miscounted, accounting matches in every run."
                : "INTEGRITY VIOLATED: see the overbooked / miscounted / accounting columns.");
        return intact ? 0 : 2;
    }

    private void validate() {
        require(clients >= 1, "--clients must be at least 1 (was " + clients + ")");
        require(poolSize == null || poolSize >= 1, "--pool-size must be at least 1 (was " + poolSize + ")");
        require(operations >= 0, "--operations must not be negative (was " + operations + ")");
        require(operations > 0 || (!duration.isNegative() && !duration.isZero()), "--duration must be positive when --operations is 0 (was " + duration + ")");
        require(maxAttempts >= 1, "--max-attempts must be at least 1 (was " + maxAttempts + ")");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(new CommandLine(new ContentionHarness()), message);
        }
    }
}
