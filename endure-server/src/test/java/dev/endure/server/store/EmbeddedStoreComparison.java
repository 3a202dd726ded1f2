package dev.endure.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.spi.Transition;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The figures behind the embedded-store choice in RELIABILITY.md: enqueue (one commit per message, 8 threads)
 * and drain (claim 32, record each result) through {@link JdbcDeliveryStore} on the former H2 file store and on
 * the embedded PostgreSQL with fsync at commit. Not a test; run by hand:
 *
 * <pre>{@code
 * java -cp <endure-server's test class path> dev.endure.server.store.EmbeddedStoreComparison 3000   (see RELIABILITY.md)
 * }</pre>
 */
public final class EmbeddedStoreComparison {

    private EmbeddedStoreComparison() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        Path dir = Files.createTempDirectory("endure-compare-");
        HikariConfig h2 = new HikariConfig();
        h2.setJdbcUrl("jdbc:h2:file:" + dir.resolve("h2").resolve("endure") + ";DB_CLOSE_ON_EXIT=FALSE");
        h2.setUsername("sa");
        h2.setMaximumPoolSize(10);
        try (HikariDataSource pool = new HikariDataSource(h2)) {
            run("H2 file (the former default, no flush at commit)", JdbcDeliveryStore.migrate(pool), messages);
        }
        try (EmbeddedPostgresStore postgres = EmbeddedPostgresStore.start(dir.resolve("pg"))) {
            HikariConfig pg = new HikariConfig();
            pg.setJdbcUrl(postgres.jdbcUrl());
            pg.setUsername(postgres.user());
            pg.setMaximumPoolSize(10);
            try (HikariDataSource pool = new HikariDataSource(pg)) {
                run("embedded PostgreSQL 14 (fsync at commit)", JdbcDeliveryStore.migrate(pool), messages);
            }
        }
    }

    private static void run(String name, DeliveryStore store, int messages) throws Exception {
        store.createEndpoint(Endpoint.of("ep_compare", URI.create("http://127.0.0.1:9/in"), WebhookSecret.generate()), Instant.now());
        ExecutorService producers = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        for (int t = 0; t < 8; t++) {
            producers.execute(() -> {
                while (next.getAndIncrement() < messages) {
                    store.enqueue(NewMessage.of("compare", "{\"n\":1}"), List.of("ep_compare"), Instant.now());
                }
            });
        }
        producers.shutdown();
        producers.awaitTermination(10, TimeUnit.MINUTES);
        double enqueuePerSecond = messages / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        int drained = 0;
        while (drained < messages) {
            List<Claim> claims = store.claim("compare", 32, Duration.ofSeconds(30), Instant.now(), DeliveryStore.ClaimAdmission.all());
            for (Claim claim : claims) {
                store.complete(claim, new Attempt(claim.deliveryId(), claim.endpointId(), 1, claim.fencingToken(), Instant.now(),
                        Duration.ofMillis(1), 200, null, "", AttemptOutcome.DELIVERED, null, null), new Transition.Delivered());
            }
            drained += claims.size();
        }
        double drainPerSecond = messages / ((System.nanoTime() - start) / 1e9);
        System.out.printf("%-50s enqueue %,7.0f msg/s (8 threads)   drain %,7.0f deliveries/s (claim 32, record each)%n",
                name, enqueuePerSecond, drainPerSecond);
    }
}
