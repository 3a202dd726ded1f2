package dev.endure.bench.storm;

import dev.endure.budget.store.JdbcRetryBudgetStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 16's retry storm, one command, one run: {@code --jvms} client JVMs with {@code --callers} callers each
 * call a loopback service that fails 5 % of requests, then 100 %, then heals; every variant in turn, on the
 * same machine in the same run. Reports, per variant, the amplification during the outage (requests the
 * service received ÷ calls the clients started), requests per second at the service, the share of calls that
 * succeeded under 5 % failures, and when the last failed call ended after the heal.
 *
 * <pre>
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.storm.StormBench
 * </pre>
 */
@Command(name = "storm-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Retry storm against a loopback service: amplification, load, goodput and recovery per retry library.")
public final class StormBench implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
            description = "PostgreSQL for the shared budget; a fresh schema is made and dropped (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--jvms", defaultValue = "3", description = "Client JVMs (default: ${DEFAULT-VALUE}).")
    int jvms;

    @Option(names = "--callers", defaultValue = "4", description = "Caller threads per JVM (default: ${DEFAULT-VALUE}).")
    int callers;

    @Option(names = "--rate", defaultValue = "1.5", description = "Calls per second per caller (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--flaky", defaultValue = "PT4S", description = "5 %% failures phase (default: ${DEFAULT-VALUE}).")
    Duration flaky;

    @Option(names = "--outage", defaultValue = "PT8S", description = "100 %% failures phase (default: ${DEFAULT-VALUE}).")
    Duration outage;

    @Option(names = "--healed", defaultValue = "PT3S", description = "Healed phase (default: ${DEFAULT-VALUE}).")
    Duration healed;

    @Option(names = "--variants", split = ",", description = "Variants to run (default: all): ${COMPLETION-CANDIDATES}.")
    List<Variant> variants;

    public static void main(String[] args) {
        System.exit(new CommandLine(new StormBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Variant> chosen = variants == null || variants.isEmpty() ? Arrays.asList(Variant.values()) : variants;
        String schema = "endure_storm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        }
        String schemaUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(schemaUrl);
        try (JdbcRetryBudgetStore store = JdbcRetryBudgetStore.builder(dataSource).build()) {
            store.createTableIfMissing();
            System.err.printf(Locale.ROOT, "storm: %d JVMs x %d callers x %.1f calls/s; budget store %s%n", jvms, callers, rate, store);
            return run(chosen, schemaUrl);
        } finally {
            try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private int run(List<Variant> chosen, String schemaUrl) throws Exception {
        Map<String, long[]> results = new HashMap<>(); // "VARIANT PHASE" -> started, succeeded
        Map<Variant, Long> lastFailure = new HashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        CountDownLatch ready = new CountDownLatch(jvms);
        AtomicLong decidedAlone = new AtomicLong();
        try (StormService service = new StormService(chosen.size())) {
            List<Process> clients = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            String variantNames = String.join(",", chosen.stream().map(Variant::name).toList());
            for (int i = 0; i < jvms; i++) {
                Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-cp", System.getProperty("java.class.path"), StormClient.class.getName(), variantNames,
                        service.uri().toString(), String.valueOf(callers), String.valueOf(rate), schemaUrl)
                        .redirectErrorStream(true).start();
                clients.add(process);
                Thread reader = new Thread(() -> read(process, results, lastFailure, problems, ready, decidedAlone), "storm-client-output");
                reader.start();
                readers.add(reader);
            }
            if (!ready.await(120, TimeUnit.SECONDS)) {
                problems.add("the client JVMs were not ready within 120 s");
            }
            Schedule schedule = new Schedule(System.currentTimeMillis() + 1_000, flaky.toMillis(), outage.toMillis(), healed.toMillis(),
                    1_000, chosen);
            service.start(schedule);
            for (Process client : clients) {
                client.getOutputStream().write(("START " + schedule.encode() + "\n").getBytes(StandardCharsets.UTF_8));
                client.getOutputStream().flush();
            }
            long deadline = schedule.endMillis() + 60_000;
            for (Process client : clients) {
                if (!client.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
                    client.destroyForcibly();
                    problems.add("a client JVM did not finish in time and was stopped");
                }
            }
            for (Thread reader : readers) {
                reader.join(10_000);
            }
            problems.forEach(problem -> System.err.println("storm: " + problem));
            report(schedule, service, results, lastFailure);
            System.out.printf(Locale.ROOT, "%nShared budgets decided without a fresh cluster view %d times (store slow or unreachable).%n",
                    decidedAlone.get());
        }
        return problems.isEmpty() ? 0 : 1;
    }

    private static void read(Process process, Map<String, long[]> results, Map<Variant, Long> lastFailure, List<String> problems,
            CountDownLatch ready, AtomicLong decidedAlone) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                String[] words = line.split(" ");
                synchronized (results) {
                    if (line.startsWith("RESULT ")) {
                        long[] sum = results.computeIfAbsent(words[1] + " " + words[2], key -> new long[2]);
                        sum[0] += Long.parseLong(words[3]);
                        sum[1] += Long.parseLong(words[4]);
                    } else if (line.startsWith("LASTFAIL ")) {
                        lastFailure.merge(Variant.valueOf(words[1]), Long.parseLong(words[2]), Math::max);
                    } else if (line.startsWith("ALONE ")) {
                        decidedAlone.addAndGet(Long.parseLong(words[1]));
                    } else if (line.equals("READY")) {
                        ready.countDown();
                    } else {
                        System.err.println("client: " + line);
                    }
                }
            }
        } catch (Exception e) {
            problems.add("cannot read a client JVM's output: " + e);
        }
    }

    private void report(Schedule schedule, StormService service, Map<String, long[]> results, Map<Variant, Long> lastFailure) {
        double outageSeconds = outage.toMillis() / 1000.0;
        System.out.printf(Locale.ROOT, "%n%d client JVMs x %d callers x %.1f calls/s each; %d attempts per layer, backoff 20 ms x2;"
                + " phases: %s at 5 %% failures, %s at 100 %%, %s healed%n%n", jvms, callers, rate, Variant.MAX_ATTEMPTS,
                flaky, outage, healed);
        System.out.println("| client | outage: requests at service ÷ calls | outage: requests/s at service | calls/s made"
                + " | 5 % failures: calls that succeeded | last failed call ended after heal |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Variant variant : schedule.variants()) {
            long[] down = results.getOrDefault(variant.name() + " DOWN", new long[2]);
            long[] flakyCounts = results.getOrDefault(variant.name() + " FLAKY", new long[2]);
            long received = service.received(variant, Schedule.Phase.DOWN);
            System.out.printf(Locale.ROOT, "| %s | %.2f× (%d / %d) | %.1f | %.1f | %.1f %% (%d / %d) | %d ms |%n", variant.label,
                    down[0] == 0 ? 0.0 : (double) received / down[0], received, down[0], received / outageSeconds,
                    down[0] / outageSeconds, flakyCounts[0] == 0 ? 0.0 : 100.0 * flakyCounts[1] / flakyCounts[0], flakyCounts[1],
                    flakyCounts[0], lastFailure.getOrDefault(variant, 0L));
        }
    }
}
