package dev.endure.bench.delivery;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.time.Duration;

/**
 * One worker process of the delivery harness: {@code endure <jdbcUrl> <concurrency> <owner>} runs a
 * {@link DeliveryWorker}; {@code db-scheduler <jdbcUrl> <concurrency> <owner> <receiverUrl> <secret>} runs
 * db-scheduler with the same work. Prints {@code READY} once polling, and stops when its standard input
 * closes (the harness ended or died) or after ten minutes, whichever comes first. An Endure node counts its
 * database round trips ({@link CountingDataSource}): it prints {@code STATS ...} before it starts and whenever
 * a line {@code STATS} arrives on its standard input.
 */
public final class WorkerNode {

    private WorkerNode() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String url = args[1];
        int concurrency = Integer.parseInt(args[2]);
        String owner = args[3];
        AutoCloseable running;
        CountingDataSource counted = null;
        if (mode.equals("endure")) {
            HikariConfig poolConfig = new HikariConfig();
            poolConfig.setJdbcUrl(url);
            poolConfig.setMaximumPoolSize(concurrency + 4);
            poolConfig.setPoolName("endure-delivery");
            HikariDataSource endurePool = new HikariDataSource(poolConfig);
            counted = new CountingDataSource(endurePool);
            JdbcDeliveryStore store = JdbcDeliveryStore.migrate(counted.dataSource);
            System.out.println(counted.line()); // the baseline, before the first claim
            DeliveryWorker worker = DeliveryWorker.builder(store).owner(owner).policy(BenchWork.policy()).ssrfGuard(BenchWork.guard())
                    .transport(BenchWork.transport()).concurrency(concurrency).pollInterval(BenchWork.POLL_INTERVAL).build();
            worker.start();
            running = () -> {
                worker.close();
                endurePool.close();
            };
        } else {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(concurrency + 4);
            config.setPoolName("db-scheduler");
            HikariDataSource pool = new HikariDataSource(config);
            Scheduler scheduler = Scheduler.create(pool, BenchWork.dbSchedulerTask(URI.create(args[4]), WebhookSecret.parse(args[5]),
                            BenchWork.transport(), BenchWork.guard()))
                    .threads(concurrency).pollingInterval(BenchWork.POLL_INTERVAL).pollUsingLockAndFetch(0.5, 3.0)
                    .schedulerName(new com.github.kagkarlsson.scheduler.SchedulerName.Fixed(owner)).build();
            scheduler.start();
            running = () -> {
                scheduler.stop();
                pool.close();
            };
        }
        if (counted == null) {
            System.out.println(CountingDataSource.cpuOnly());
        }
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
        String line;
        while ((line = in.readLine()) != null) {
            // the harness keeps our standard input open while it wants us; "STATS" asks for the round trips so far
            if (line.equals("STATS")) {
                System.out.println(counted == null ? CountingDataSource.cpuOnly() : counted.line());
                System.out.flush();
            }
        }
        running.close();
        System.exit(0);
    }
}
