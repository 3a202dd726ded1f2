package dev.endure.bench.delivery;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 14's delivery benchmark, one command: deliveries/s at saturation, accept→first-attempt latency at a
 * fixed offered load, lateness of due retries and connections per delivery, for Endure on the server's embedded
 * default (an embedded PostgreSQL), on the library's H2 store and on PostgreSQL with 1 and 3 worker processes, and for db-scheduler doing the same work on the same
 * PostgreSQL. Every cell gets a fresh database (PostgreSQL) or directory (embedded), dropped at the end.
 *
 * <pre>
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.delivery.DeliveryHarness
 * </pre>
 */
@Command(name = "delivery-harness", mixinStandardHelpOptions = true,
        description = "Delivery throughput and latency: Endure (embedded, PostgreSQL x1/x3 processes) vs db-scheduler.")
public final class DeliveryHarness implements Callable<Integer> {

    @Option(names = "--postgres", description = "Admin JDBC URL of the PostgreSQL to create bench databases in (default: ${DEFAULT-VALUE})")
    String postgres = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @Option(names = "--messages", description = "Messages pre-queued for the saturation drain (default: ${DEFAULT-VALUE})")
    int messages = 10_000;

    @Option(names = "--warmup", description = "Messages drained first, untimed, by the same worker JVMs, before the timed --messages (both systems alike; 0 for none) (default: ${DEFAULT-VALUE})")
    int warmup = 40_000; // at 10,000 the workers' JIT compilers were still busy: 214 against 77 µs of worker CPU per delivery

    @Option(names = "--rate", description = "Offered load in messages/s for the latency phase (default: ${DEFAULT-VALUE})")
    int rate = 1_000;

    @Option(names = "--seconds", description = "Length of the latency phase (default: ${DEFAULT-VALUE})")
    int seconds = 10;

    @Option(names = "--concurrency", description = "Sends in flight per worker process (both systems) (default: ${DEFAULT-VALUE})")
    int concurrency = 16;

    @Option(names = "--cells", split = ",", description = "Which cells to run (default: all): ${DEFAULT-VALUE}")
    List<String> cells = List.of("endure-embedded-1", "endure-h2-1", "endure-pg-1", "endure-pg-3", "dbscheduler-pg-1", "dbscheduler-pg-3");

    @Option(names = "--ingest", description = "Also measure API ingest (POST /api/messages, batch) with 16 clients (default: ${DEFAULT-VALUE})")
    boolean ingest = true;

    @Option(names = "--ingest-only", description = "Measure only API ingest, no delivery cells (default: ${DEFAULT-VALUE})")
    boolean ingestOnly;

    @Option(names = "--ingest-seconds", description = "Length of each ingest measurement; 0: the larger of 5 and --seconds (default: ${DEFAULT-VALUE})")
    int ingestSeconds;

    @Option(names = "--ingest-routes", split = ",", description = "Ingest measurements, of SINGLE (to every subscriber),"
            + " NAMED (naming its endpoint), BATCH (default: ${DEFAULT-VALUE})")
    List<IngestRun.Route> ingestRoutes = List.of(IngestRun.Route.values());

    @Option(names = "--ingest-clients", description = "Keep-alive clients of the ingest measurement (default: ${DEFAULT-VALUE})")
    int ingestClients = 16;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DeliveryHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path logs = Files.createTempDirectory("endure-delivery-bench");
        List<CellResult> results = new ArrayList<>();
        try (LoopbackReceiver receiver = new LoopbackReceiver()) {
            for (String name : ingestOnly ? List.<String>of() : cells) {
                Cell cell = Cell.parse(name);
                System.err.printf(Locale.ROOT, "== %s%n", name);
                try (CellRun run = new CellRun(cell, this, receiver, URI.create(receiver.url()), logs)) {
                    results.add(run.execute());
                } catch (Exception e) {
                    System.err.println("cell " + name + " failed: " + e);
                    e.printStackTrace();
                    results.add(CellResult.failed(name, e.toString()));
                }
            }
        }
        if (!results.isEmpty()) {
            System.out.println();
            System.out.println(CellResult.table(results, rate));
        }
        if (ingest || ingestOnly) {
            System.out.println();
            System.out.println(IngestRun.run(postgres, ingestClients, ingestSeconds > 0 ? ingestSeconds : Math.max(5, seconds),
                    ingestRoutes));
        }
        System.out.println("worker logs: " + logs);
        return 0;
    }

    /** One column of the comparison: which system, on which store, in how many worker processes. */
    record Cell(String name, boolean endure, String store, int processes) {

        /** In the harness's own process (the embedded PostgreSQL and H2 stores), not in worker processes. */
        boolean embedded() {
            return !store.equals("pg");
        }

        static Cell parse(String name) {
            String[] parts = name.split("-");
            if (parts.length != 3 || !List.of("pg", "embedded", "h2").contains(parts[1])) {
                throw new IllegalArgumentException("cell must look like endure-embedded-1, endure-h2-1, endure-pg-3 or dbscheduler-pg-1"
                        + " (was " + name + ")");
            }
            boolean endure = parts[0].equals("endure");
            if (!endure && !parts[1].equals("pg")) {
                throw new IllegalArgumentException("db-scheduler runs on PostgreSQL only (was " + name + ")");
            }
            int processes = Integer.parseInt(parts[2]);
            if (!parts[1].equals("pg") && processes != 1) {
                throw new IllegalArgumentException("the embedded stores are one process (was " + name + ")");
            }
            return new Cell(name, endure, parts[1], processes);
        }
    }
}
