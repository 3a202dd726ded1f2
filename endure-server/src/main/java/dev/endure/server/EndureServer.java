package dev.endure.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.Clock;
import dev.endure.delivery.DeliveryListener;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.DeliveryStore;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.jdbc.JdbcDeliveryQueries;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.server.api.ApiContext;
import dev.endure.server.api.Auth;
import dev.endure.server.api.HttpApi;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.DeliveryPolicies;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.metrics.DeliveryEventRecorder;
import dev.endure.server.metrics.QueueHistory;
import dev.endure.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Endure server process: the store (embedded H2 or a shared PostgreSQL), the delivery worker, the
 * HTTP API and dashboard, metrics and the queue-depth sampler. {@link #close()} is the graceful
 * shutdown: not ready at once, stop claiming, let in-flight deliveries finish within
 * {@code server.shutdownGrace}, give the rest back to the store, then stop HTTP and the pool.
 *
 * <pre>{@code
 * try (EndureServer server = EndureServer.start(ServerConfig.defaults().with(ConfigKey.SERVER_PORT, 0))) {
 *     System.out.println("listening on " + server.baseUrl());
 * }
 * }</pre>
 */
public final class EndureServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EndureServer.class);

    private final ServerConfig config;
    private final HikariDataSource pool;
    private final JdbcDeliveryStore store;
    private final JdbcDeliveryQueries queries;
    private final QueueHistory history;
    private final ServerMetrics metrics;
    private final ScheduledExecutorService sampler;
    private final Javalin http;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** How long /health/ready waits for the store before it says "not ready". */
    static final Duration READINESS_TIMEOUT = Duration.ofSeconds(2);
    private final java.util.concurrent.ExecutorService readinessProbe = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "endure-readiness");
        thread.setDaemon(true);
        return thread;
    });
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Boolean>> readinessCheck =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Clock clock;
    private final DeliveryWorker worker;

    private EndureServer(ServerConfig config, Clock clock, List<DeliveryListener> listeners) {
        this.config = config;
        this.clock = clock;
        this.pool = openPool(config);
        try {
            this.store = JdbcDeliveryStore.migrate(pool);
            this.queries = new JdbcDeliveryQueries(pool);
            this.history = new QueueHistory(config.integer(ConfigKey.DASHBOARD_HISTORY));
            this.metrics = new ServerMetrics(history);
            SsrfGuard guard = ssrfGuard(config);
            DeliveryPolicy policy = DeliveryPolicies.from(config);
            if (config.flag(ConfigKey.WORKER_ENABLED)) {
                DeliveryWorker.Builder builder = DeliveryWorker.builder(store)
                        .owner(workerName())
                        .policy(policy)
                        .ssrfGuard(guard)
                        .clock(clock)
                        .concurrency(config.integer(ConfigKey.WORKER_CONCURRENCY))
                        .pollInterval(config.duration(ConfigKey.WORKER_POLL_INTERVAL))
                        .listener(new DeliveryEventRecorder(metrics));
                listeners.forEach(builder::listener);
                this.worker = builder.build();
            } else {
                this.worker = null;
            }
            DeliveryWorker local = worker;
            ApiContext api = new ApiContext(store, queries, clock, endpointId -> {
                var state = local == null ? null : local.breakerState(endpointId);
                return state == null ? null : state.name();
            }, history,
                    config.integer(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES), Duration.ofHours(24), guard, policy);
            this.http = HttpApi.create(api, new Auth(ApiKeys.of(config.apiKeys())), metrics, this::ready,
                    config.flag(ConfigKey.METRICS_REQUIRE_KEY));
            this.sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "endure-queue-sampler");
                thread.setDaemon(true);
                return thread;
            });
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Opens the store, migrates it, and starts the worker, the sampler and HTTP. */
    public static EndureServer start(ServerConfig config) {
        return start(config, Clock.system());
    }

    public static EndureServer start(ServerConfig config, Clock clock) {
        return start(config, clock, List.of());
    }

    /** As {@link #start(ServerConfig)}, with extra listeners for the worker's events (the demo counts with one). */
    public static EndureServer start(ServerConfig config, Clock clock, List<DeliveryListener> listeners) {
        EndureServer server = new EndureServer(config, clock, listeners);
        try {
            server.http.start(config.host(), config.port());
            if (server.worker != null) {
                server.worker.start();
            }
            long sampleMillis = Math.max(100, config.duration(ConfigKey.DASHBOARD_SAMPLE_INTERVAL).toMillis());
            server.sampler.scheduleWithFixedDelay(server::sample, 0, sampleMillis, TimeUnit.MILLISECONDS);
            LOG.info("endure server listening on {} (store: {})", server.baseUrl(), config.embeddedStore() ? "embedded H2 in "
                    + config.dataDir().toAbsolutePath() : "shared database");
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static HikariDataSource openPool(ServerConfig config) {
        HikariConfig hikari = new HikariConfig();
        if (config.embeddedStore()) {
            Path dir = config.dataDir().toAbsolutePath();
            try {
                Files.createDirectories(dir);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot create store.dataDir " + dir + ": " + e.getMessage(), e);
            }
            hikari.setJdbcUrl("jdbc:h2:file:" + dir.resolve("endure") + ";DB_CLOSE_ON_EXIT=FALSE");
            hikari.setUsername("sa");
            hikari.setPassword("");
        } else {
            hikari.setJdbcUrl(config.string(ConfigKey.STORE_URL));
            hikari.setUsername(config.string(ConfigKey.STORE_USER));
            hikari.setPassword(config.string(ConfigKey.STORE_PASSWORD));
        }
        hikari.setMaximumPoolSize(Math.max(2, config.integer(ConfigKey.STORE_POOL_SIZE)));
        hikari.setPoolName("endure-server");
        // Fail fast with a clear message instead of a 30 s wait when the database is not there.
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(10_000);
        return new HikariDataSource(hikari);
    }

    private static String workerName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "host";
        }
        String name = host + "-" + ProcessHandle.current().pid() + "-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        return name.length() > 128 ? name.substring(name.length() - 128) : name;
    }

    private static SsrfGuard ssrfGuard(ServerConfig config) {
        SsrfGuard guard = SsrfGuard.defaults();
        var allowed = config.list(ConfigKey.DELIVERY_ALLOW_TARGETS);
        return allowed.isEmpty() ? guard : guard.allowing(allowed.toArray(String[]::new));
    }

    private void sample() {
        try {
            int held = queries.holdPendingOfDisabledEndpoints();
            if (held > 0) {
                LOG.info("held {} pending deliveries of disabled endpoints", held);
            }
            history.record(clock.instant(), store.countsByState());
        } catch (RuntimeException e) {
            LOG.warn("queue sample failed: {}", e.getMessage());
        }
    }

    /**
     * Ready for traffic: not shutting down and the store answers within {@link #READINESS_TIMEOUT}. The
     * check runs on its own thread so that a store that hangs (a dead network, an exhausted pool) makes
     * the probe answer "not ready" in time instead of hanging it; at most one check runs at a time.
     */
    public boolean ready() {
        if (closing.get()) {
            return false;
        }
        CompletableFuture<Boolean> check = readinessCheck.get();
        if (check == null || check.isDone()) {
            CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(
                    () -> queries.answers((int) READINESS_TIMEOUT.toSeconds()), readinessProbe);
            check = readinessCheck.compareAndSet(check, next) ? next : readinessCheck.get();
        }
        try {
            return check.get(READINESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException notAnswering) {
            return false;
        }
    }

    public int port() {
        return http.port();
    }

    public String baseUrl() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public DeliveryStore store() {
        return store;
    }

    public JdbcDeliveryQueries queries() {
        return queries;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    public ServerConfig config() {
        return config;
    }

    /** Takes a queue sample now (the dashboard and tests want a point without waiting for the interval). */
    public void sampleNow() {
        sample();
    }

    /** The name this process's worker leases deliveries under, or null when the worker is off. */
    public String workerOwner() {
        return worker == null ? null : worker.owner();
    }

    /**
     * Graceful shutdown (what SIGTERM runs): readiness turns false at once, the worker stops claiming,
     * in-flight deliveries get {@code server.shutdownGrace} to finish, whatever is still in flight is
     * released back to the store (pending, due now, for any node), then HTTP and the pool stop. A send
     * that completes after its release is rejected by its fencing token, so nothing is recorded twice
     * and nothing is lost; the receiver may see that one message again (at-least-once), with the same
     * {@code webhook-id} to de-duplicate.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        Duration grace = config.duration(ConfigKey.SERVER_SHUTDOWN_GRACE);
        LOG.info("endure server shutting down (grace {} s for in-flight deliveries)", grace.toSeconds());
        sampler.shutdownNow();
        readinessProbe.shutdownNow();
        if (worker != null) {
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(worker::close, runnable -> {
                Thread thread = new Thread(runnable, "endure-worker-stop");
                thread.setDaemon(true);
                thread.start();
            });
            try {
                stopped.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.warn("in-flight deliveries did not finish within {} s; releasing them", grace.toSeconds());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.warn("stopping the worker failed: {}", e.getCause().toString());
            }
            try {
                int released = queries.releaseLeases(worker.owner(), clock.instant());
                if (released > 0) {
                    LOG.info("released {} in-flight deliveries back to the queue", released);
                }
            } catch (RuntimeException e) {
                LOG.warn("could not release leases (they expire by themselves): {}", e.getMessage());
            }
        }
        http.stop();
        metrics.close();
        pool.close();
        LOG.info("endure server stopped");
    }
}
