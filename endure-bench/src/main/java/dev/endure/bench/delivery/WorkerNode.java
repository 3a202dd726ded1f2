package dev.endure.bench.delivery;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * One worker process of the delivery harness: {@code endure <jdbcUrl> <concurrency> <owner>} runs a
 * {@link DeliveryWorker}; {@code db-scheduler <jdbcUrl> <concurrency> <owner> <receiverUrl> <secret>} runs
 * db-scheduler with the same work. Prints {@code READY} once its pool is up, then obeys lines on its standard
 * input: {@code START} starts a fresh worker (or scheduler) on the same pool and answers {@code STARTED};
 * {@code STOP} stops it (in-flight work ends first) and answers {@code STOPPED}; {@code STATS} answers
 * {@code STATS ...} (an Endure node counts its database round trips with {@link CountingDataSource}; both
 * report the process's CPU time, which the harness reads when its warm-up messages have arrived and again at the
 * end). The harness starts a node's worker once: a restart would deoptimise the hot code and time recompiling it.
 * The node exits when its standard input closes (the
 * harness ended or died) or after ten minutes, whichever comes first.
 */
public final class WorkerNode {

    private WorkerNode() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String url = args[1];
        int concurrency = Integer.parseInt(args[2]);
        String owner = args[3];
        HikariConfig poolConfig = new HikariConfig();
        poolConfig.setJdbcUrl(url);
        poolConfig.setMaximumPoolSize(concurrency + 4);
        CountingDataSource counted = null;
        Supplier<AutoCloseable> starter;
        HikariDataSource pool;
        if (mode.equals("endure")) {
            poolConfig.setPoolName("endure-delivery");
            pool = new HikariDataSource(poolConfig);
            counted = new CountingDataSource(pool);
            JdbcDeliveryStore store = JdbcDeliveryStore.migrate(counted.dataSource);
            starter = () -> {
                var transport = BenchWork.transport(); // fresh per start: each drain opens its own connections
                DeliveryWorker worker = DeliveryWorker.builder(store).owner(owner).policy(BenchWork.policy()).ssrfGuard(BenchWork.guard())
                        .transport(transport).concurrency(concurrency).pollInterval(BenchWork.POLL_INTERVAL).build();
                worker.start();
                return () -> {
                    worker.close();
                    transport.close();
                };
            };
        } else {
            poolConfig.setPoolName("db-scheduler");
            pool = new HikariDataSource(poolConfig);
            URI receiver = URI.create(args[4]);
            WebhookSecret secret = WebhookSecret.parse(args[5]);
            starter = () -> {
                var transport = BenchWork.transport();
                Scheduler scheduler = Scheduler.create(pool, BenchWork.dbSchedulerTask(receiver, secret, transport, BenchWork.guard()))
                        .threads(concurrency).pollingInterval(BenchWork.POLL_INTERVAL).pollUsingLockAndFetch(0.5, 3.0)
                        .schedulerName(new com.github.kagkarlsson.scheduler.SchedulerName.Fixed(owner)).build();
                scheduler.start();
                return () -> {
                    scheduler.stop();
                    transport.close();
                };
            };
        }
        System.out.println(counted == null ? CountingDataSource.cpuOnly() : counted.line()); // the baseline, before the first claim
        System.out.println("READY");
        System.out.flush();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofMinutes(10).toMillis());
            } catch (InterruptedException ignored) {
                // stopping anyway
            }
            System.exit(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.UTF_8));
        AutoCloseable running = null;
        String line;
        while ((line = in.readLine()) != null) {
            // the harness keeps our standard input open while it wants us
            switch (line) {
                case "STATS" -> System.out.println(counted == null ? CountingDataSource.cpuOnly() : counted.line());
                case "START" -> {
                    if (running == null) {
                        running = starter.get();
                    }
                    System.out.println("STARTED");
                }
                case "STOP" -> {
                    if (running != null) {
                        running.close();
                        running = null;
                    }
                    System.out.println("STOPPED");
                }
                default -> System.err.println("unknown command: " + line);
            }
            System.out.flush();
        }
        if (running != null) {
            running.close();
        }
        pool.close();
        System.exit(0);
    }
}
