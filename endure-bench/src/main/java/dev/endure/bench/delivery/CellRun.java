package dev.endure.bench.delivery;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryService;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** One cell of the harness: a fresh store, its workers, the saturation drain, then the fixed-load phase. */
final class CellRun implements AutoCloseable {

    private static final long DRAIN_CAP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int PRODUCERS = 4;

    private final DeliveryHarness.Cell cell;
    private final DeliveryHarness options;
    private final LoopbackReceiver receiver;
    private final URI url;
    private final Path logs;
    private final WebhookSecret secret = WebhookSecret.generate();
    private final List<Process> processes = new ArrayList<>();
    /** Per worker process, its standard output (answers to STATS) and its round trips counted before the drain. */
    private final List<BufferedReader> outputs = new ArrayList<>();
    private final List<long[]> statsBefore = new ArrayList<>();
    private String database;
    private String jdbcUrl;
    private JdbcDeliveryStore store;
    private DeliveryService service;
    private volatile DeliveryWorker localWorker;
    private dev.endure.delivery.transport.HttpClientTransport localTransport;
    private JdbcDeliveryStore localStore;
    private HikariDataSource schedulerPool;
    private SchedulerClient schedulerClient;
    private OneTimeTask<String> task;
    private Path embeddedDir;
    private dev.endure.server.store.EmbeddedPostgresStore embeddedPostgres;
    /** The in-process worker's own pool, counted like a worker process's. */
    private com.zaxxer.hikari.HikariDataSource localPool;
    private CountingDataSource localCounter;
    private long[] localBefore;

    CellRun(DeliveryHarness.Cell cell, DeliveryHarness options, LoopbackReceiver receiver, URI url, Path logs) {
        this.cell = cell;
        this.options = options;
        this.receiver = receiver;
        this.url = url;
        this.logs = logs;
    }

    CellResult execute() throws Exception {
        prepareStore();
        startWorkers(); // processes (or the in-process pool) up, workers not yet running
        receiver.reset();
        // Saturation: queue the warm-up and the timed messages first, then start the workers once, and time only the
        // drain after the first --warmup messages arrived (until the last arrival): the same for both systems, one JVM
        // each that never restarts, so JIT compilation and class loading are spent before the clock starts.
        int backlog = options.warmup + options.messages;
        long fillStart = System.nanoTime();
        enqueueBacklog(options.warmup, "warm");
        enqueueBacklog(options.messages, "sat");
        double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
        System.err.printf("  queued %d (%d warm-up) in %.1f s; starting workers%n", backlog, options.warmup, fillSeconds);
        long commitsBefore = commits();
        long databaseCpuBefore = databaseCpuNanos();
        takeStatsBaseline();
        long started = System.nanoTime();
        runWorkers();
        long deadline = started + Math.max(DRAIN_CAP_NANOS, TimeUnit.MILLISECONDS.toNanos(backlog * 4L)); // 250/s at worst
        int warmArrived = 0;
        long timedFrom = Long.MAX_VALUE;
        if (options.warmup > 0) {
            awaitUntil(() -> receiver.distinctMessages() >= options.warmup, deadline, TimeUnit.MILLISECONDS.toNanos(2));
            timedFrom = System.nanoTime();
            warmArrived = receiver.distinctMessages();
            takeStatsBaseline();
            databaseCpuBefore = databaseCpuNanos();
            System.err.printf(java.util.Locale.ROOT, "  warm-up: %d delivered in %.1f s; timing the rest%n", warmArrived,
                    (timedFrom - started) / 1e9);
        }
        awaitUntil(() -> receiver.distinctMessages() >= backlog, deadline);
        if (options.warmup == 0) {
            for (int i = 0; i < options.messages; i++) {
                Long arrival = receiver.firstArrival("sat" + i);
                if (arrival != null && arrival < timedFrom) {
                    timedFrom = arrival;
                }
            }
        }
        int drained = receiver.distinctMessages() - warmArrived;
        double drainSeconds = (receiver.lastArrivalNanos() - timedFrom) / 1e9;
        double saturation = drained / Math.max(drainSeconds, 1e-3);
        long satRequests = receiver.requests();
        long satConnections = receiver.connectionsOpened();
        // Over the whole drain, warm-up included (the database's statistics lag too much to cut them mid-drain).
        double commitsPerDelivery = database == null ? Double.NaN : (commits() - commitsBefore) / (double) Math.max(1, backlog);
        long[] trips = roundTripsSinceStart();
        long databaseCpu = databaseCpuNanos() - databaseCpuBefore;
        double tripsPerDelivery = trips == null || trips[3] == 0 ? Double.NaN : (trips[0] + trips[1] + trips[2]) / (double) Math.max(1, drained);
        System.err.printf(java.util.Locale.ROOT, "  CPU per delivery: workers %.0f µs, PostgreSQL backends %.0f µs%n",
                trips == null || trips[4] < 0 ? Double.NaN : trips[4] / 1e3 / Math.max(1, drained), databaseCpu / 1e3 / Math.max(1, drained));
        String tripDetail = trips == null ? "–" : String.format(java.util.Locale.ROOT, "%.2f (%.2f statements + %.2f commits; %.2f pool checkouts)",
                tripsPerDelivery, trips[0] / (double) drained, (trips[1] + trips[2]) / (double) drained, trips[3] / (double) drained);
        System.err.printf("  drained %d in %.2f s: %.0f/s (%d connections, %.2f commits per delivery, worker round trips per delivery %s)%n",
                drained, drainSeconds, saturation, satConnections, commitsPerDelivery, tripDetail);

        // Fixed offered load: accept time per message, first arrival at the receiver, lateness of the 10 % that fail once.
        receiver.reset();
        Map<String, Long> accepted = new ConcurrentHashMap<>();
        long total = (long) options.rate * options.seconds;
        long intervalNanos = 1_000_000_000L * PRODUCERS / options.rate;
        AtomicLong next = new AtomicLong();
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        long phaseStart = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int offset = p;
            running.add(producers.submit(() -> {
                long due = phaseStart + offset * intervalNanos / PRODUCERS;
                while (true) {
                    long n = next.getAndIncrement();
                    if (n >= total) {
                        return null;
                    }
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    String id = "lat" + n;
                    send(id, BenchWork.payload(n, n % 10 == 0));
                    accepted.put(id, System.nanoTime());
                    due += intervalNanos;
                }
            }));
        }
        for (Future<?> producer : running) {
            producer.get();
        }
        producers.shutdown();
        double offered = total / ((System.nanoTime() - phaseStart) / 1e9);
        long retries = total / 10;
        awaitUntil(() -> receiver.distinctMessages() >= total && receiver.retryLateness().size() >= retries,
                System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        List<Long> latencies = new ArrayList<>();
        for (Map.Entry<String, Long> entry : accepted.entrySet()) {
            Long arrival = receiver.firstArrival(entry.getKey());
            if (arrival != null) {
                // Negative when the worker sent before the producer's clock read after the commit: count it as 0.
                latencies.add(Math.max(0, arrival - entry.getValue()));
            }
        }
        List<Long> lateness = new ArrayList<>(receiver.retryLateness().values());
        // The fill rate is of everything queued (warm-up and timed alike), the drained count of the timed messages.
        return new CellResult(cell.name(), null, backlog / Math.max(fillSeconds, 1e-3), options.messages, drained, saturation, commitsPerDelivery, tripsPerDelivery, satConnections, satRequests,
                offered, total, latencies, lateness, retries, receiver.connectionsOpened(), receiver.requests());
    }

    /** The worker processes' round trips since they started (statements, commits, rollbacks, checkouts), null if not counted. */
    private long[] roundTripsSinceStart() throws java.io.IOException {
        if (localCounter != null) {
            long[] now = CountingDataSource.parse(localCounter.line());
            long[] delta = new long[5];
            for (int k = 0; k < 4; k++) {
                delta[k] = now[k] - localBefore[k];
            }
            delta[4] = -1; // the harness's own CPU (receiver, producers) is not the worker's
            return delta;
        }
        List<long[]> now = statsPerProcess();
        if (now == null || statsBefore.contains(null)) {
            return null;
        }
        long[] total = new long[5];
        for (int i = 0; i < processes.size(); i++) {
            for (int k = 0; k < 5; k++) {
                total[k] += now.get(i)[k] - statsBefore.get(i)[k];
            }
        }
        return total;
    }

    /** Each worker process's counters now (asks with {@code STATS}); null if one did not answer. */
    private List<long[]> statsPerProcess() throws java.io.IOException {
        List<long[]> all = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            java.io.OutputStream in = processes.get(i).getOutputStream();
            in.write("STATS\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            long[] now = null;
            String line;
            while ((line = outputs.get(i).readLine()) != null && (now = CountingDataSource.parse(line)) == null) {
                // chatter
            }
            if (now == null) {
                return null;
            }
            all.add(now);
        }
        return all;
    }


    private long databaseCpuNanos() throws Exception {
        return database == null ? 0 : DatabaseCounters.backendCpuNanos(jdbcUrl);
    }

    private long commits() throws Exception {
        return database == null ? 0 : DatabaseCounters.commits(jdbcUrl);
    }

    private void prepareStore() throws Exception {
        if (cell.store().equals("h2")) {
            embeddedDir = java.nio.file.Files.createTempDirectory("endure-bench-h2");
            jdbcUrl = "jdbc:h2:file:" + embeddedDir.resolve("delivery") + ";DB_CLOSE_ON_EXIT=FALSE";
            store = JdbcDeliveryStore.pooled(jdbcUrl, "sa", "", 12);
        } else if (cell.store().equals("embedded")) {
            // The server's embedded default: a PostgreSQL run by this process on a data directory (zonky), fsync on.
            embeddedDir = java.nio.file.Files.createTempDirectory("endure-bench-embedded");
            embeddedPostgres = dev.endure.server.store.EmbeddedPostgresStore.start(embeddedDir);
            jdbcUrl = embeddedPostgres.jdbcUrl();
            database = "postgres"; // its own server: counted like the shared one, never dropped
            store = JdbcDeliveryStore.pooled(jdbcUrl, embeddedPostgres.user(), null, 12);
        } else {
            database = "endure_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            try (Connection admin = DriverManager.getConnection(options.postgres); Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE " + database);
            }
            URI admin = URI.create(options.postgres.substring("jdbc:".length()));
            jdbcUrl = "jdbc:postgresql://" + admin.getHost() + ":" + (admin.getPort() > 0 ? admin.getPort() : 5432) + "/" + database
                    + (admin.getQuery() == null ? "" : "?" + admin.getQuery());
            if (cell.endure()) {
                store = JdbcDeliveryStore.pooled(jdbcUrl, null, null, 12);
            } else {
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(jdbcUrl);
                config.setMaximumPoolSize(12);
                config.setPoolName("bench-producer");
                schedulerPool = new HikariDataSource(config);
                BenchWork.createDbSchedulerTable(schedulerPool);
                task = BenchWork.dbSchedulerTask(url, secret, BenchWork.transport(), BenchWork.guard());
                schedulerClient = SchedulerClient.Builder.create(schedulerPool, task).build();
            }
        }
        if (store != null) {
            service = DeliveryService.builder(store).ssrfGuard(BenchWork.guard()).build();
            service.createEndpoint(Endpoint.of("ep_bench", url, secret));
        }
    }

    private void enqueueBacklog(int count, String prefix) throws Exception {
        if (schedulerClient != null) {
            Instant now = Instant.now();
            for (int start = 0; start < count; start += 1000) {
                List<TaskInstance<?>> batch = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + 1000); i++) {
                    batch.add(task.instance(prefix + i, BenchWork.payload(i, false)));
                }
                schedulerClient.scheduleBatch(batch, now);
            }
            return;
        }
        ExecutorService fill = Executors.newFixedThreadPool(8);
        List<Future<?>> parts = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            int part = p;
            parts.add(fill.submit(() -> {
                for (int i = part; i < count; i += 8) {
                    service.send(new NewMessage(prefix + i, "invoice.paid", BenchWork.payload(i, false), null), "ep_bench");
                }
                return null;
            }));
        }
        for (Future<?> part : parts) {
            part.get();
        }
        fill.shutdown();
    }

    private void send(String id, String payload) {
        if (schedulerClient != null) {
            schedulerClient.schedule(task.instance(id, payload), Instant.now());
        } else {
            service.send(new NewMessage(id, "invoice.paid", payload, null), "ep_bench");
        }
    }

    private void startWorkers() throws Exception {
        if (cell.embedded()) {
            com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
            config.setJdbcUrl(jdbcUrl);
            config.setUsername(embeddedPostgres != null ? embeddedPostgres.user() : "sa");
            config.setPassword(embeddedPostgres != null ? null : "");
            config.setMaximumPoolSize(options.concurrency + 4);
            config.setPoolName("endure-delivery-worker");
            localPool = new com.zaxxer.hikari.HikariDataSource(config);
            localCounter = new CountingDataSource(localPool);
            localStore = JdbcDeliveryStore.migrate(localCounter.dataSource);
            localBefore = CountingDataSource.parse(localCounter.line());
            // Sends in this process wake the running worker at once (the fixed-load phase's accept→first attempt).
            service = DeliveryService.builder(store).ssrfGuard(BenchWork.guard()).onEnqueued(() -> {
                DeliveryWorker running = localWorker;
                if (running != null) {
                    running.wake();
                }
            }).build();
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(WorkerNode.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        for (int i = 0; i < cell.processes(); i++) {
            List<String> command = new ArrayList<>(List.of(java, "-Xmx768m", "-cp", jar, WorkerNode.class.getName(),
                    cell.endure() ? "endure" : "db-scheduler", jdbcUrl, Integer.toString(options.concurrency), cell.name() + "-" + i));
            if (!cell.endure()) {
                command.add(url.toString());
                command.add(secret.encoded());
            }
            String extra = System.getenv("BENCH_WORKER_JAVA_OPTS");
            if (extra != null && !extra.isBlank()) {
                command.addAll(1, List.of(extra.trim().split("\\s+")));
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(logs.resolve(cell.name() + "-" + i + ".log").toFile()));
            Process process = builder.start();
            processes.add(process);
        }
        for (Process process : processes) {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            long[] before = null;
            while ((line = out.readLine()) != null && !line.equals("READY")) {
                long[] stats = CountingDataSource.parse(line);
                before = stats != null ? stats : before;
            }
            outputs.add(out);
            statsBefore.add(before);
            if (line == null) {
                throw new IllegalStateException("worker process exited before READY; see " + logs);
            }
        }
    }

    /** Starts the workers of every process, and waits until each has. */
    private void runWorkers() throws Exception {
        if (cell.embedded()) {
            localTransport = BenchWork.transport();
            DeliveryWorker worker = DeliveryWorker.builder(localStore).owner("bench-" + cell.store()).policy(BenchWork.policy())
                    .ssrfGuard(BenchWork.guard()).transport(localTransport).concurrency(options.concurrency)
                    .pollInterval(BenchWork.POLL_INTERVAL).build();
            worker.start();
            localWorker = worker;
            return;
        }
        for (Process process : processes) {
            process.getOutputStream().write("START\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }
        for (BufferedReader out : outputs) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("STARTED")) {
                // chatter
            }
            if (line == null) {
                throw new IllegalStateException("worker process exited instead of starting; see " + logs);
            }
        }
    }

    private void stopLocalWorker() {
        DeliveryWorker worker = localWorker;
        if (worker != null) {
            localWorker = null;
            worker.close();
            localTransport.close();
        }
    }

    /** The round trips and CPU counted so far, as the baseline of the timed drain. */
    private void takeStatsBaseline() throws Exception {
        if (localCounter != null) {
            localBefore = CountingDataSource.parse(localCounter.line());
            return;
        }
        List<long[]> now = statsPerProcess();
        for (int i = 0; i < processes.size(); i++) {
            statsBefore.set(i, now == null ? null : now.get(i));
        }
    }

    private static void awaitUntil(BooleanSupplier condition, long deadline) {
        awaitUntil(condition, deadline, TimeUnit.MILLISECONDS.toNanos(20));
    }

    private static void awaitUntil(BooleanSupplier condition, long deadline, long everyNanos) {
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(everyNanos);
        }
    }

    @Override
    public void close() throws Exception {
        stopLocalWorker();
        for (Process process : processes) {
            process.getOutputStream().close(); // the node stops when its standard input closes
        }
        for (Process process : processes) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        if (store != null) {
            store.close();
        }
        if (schedulerPool != null) {
            schedulerPool.close();
        }
        if (localPool != null) {
            localPool.close();
        }
        if (embeddedPostgres != null) {
            embeddedPostgres.close();
        } else if (database != null) {
            try (Connection admin = DriverManager.getConnection(options.postgres); Statement statement = admin.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
        if (embeddedDir != null) {
            try (var files = java.nio.file.Files.walk(embeddedDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
