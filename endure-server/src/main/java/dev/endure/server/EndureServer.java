package dev.endure.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.Clock;
import dev.endure.delivery.DeliveryListener;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.DeliveryService;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.retention.MessageRetention;
import dev.endure.delivery.jdbc.JdbcDeliveryQueries;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.server.api.ApiContext;
import dev.endure.server.api.Auth;
import dev.endure.server.api.HttpApi;
import dev.endure.server.api.RequestGate;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.DeliveryPolicies;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.metrics.DeliveryEventRecorder;
import dev.endure.server.metrics.QueueHistory;
import dev.endure.server.metrics.ServerMetrics;
import dev.endure.server.ops.OperatorNotifier;
import dev.endure.server.store.EmbeddedPostgresStore;
import dev.endure.server.store.RetentionTask;
import dev.endure.server.store.StoreSecrets;
import io.javalin.Javalin;
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
 * One Endure server process: the store (an embedded PostgreSQL on {@code store.dataDir}, or a shared
 * database at {@code store.url}), the delivery worker, the HTTP API and dashboard, metrics and the
 * queue-depth sampler. {@link #close()} is the graceful shutdown: not ready at once, new API requests
 * refused with 503, the requests in flight answered, then HTTP stops; then the worker stops claiming, lets
 * in-flight deliveries finish within {@code server.shutdownGrace}, gives the rest back to the store, and
 * the pool (and the embedded PostgreSQL) stop.
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
    private final EmbeddedPostgresStore embedded;
    private final HikariDataSource pool;
    private final RequestGate gate = new RequestGate();
    private final JdbcDeliveryStore store;
    private final JdbcDeliveryQueries queries;
    private final QueueHistory history;
    private final ServerMetrics metrics;
    private final ScheduledExecutorService sampler;
    private final Javalin http;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** How long a request waits for a store connection before it answers 503 (Retry-After) instead. */
    static final Duration STORE_WAIT = Duration.ofMillis(1000);
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
    private volatile RetentionTask retention;
    /** Shares breaker states with the other servers on the database (null: the embedded store, or sharing off). */
    private dev.endure.breaker.store.JdbcBreakerStore breakerStore;
    /** Sends operational events to operator.webhookUrl (null: off). */
    private OperatorNotifier operator;

    private EndureServer(ServerConfig config, Clock clock, List<DeliveryListener> listeners) {
        this.config = config;
        this.clock = clock;
        SecretCipher cipher = StoreSecrets.cipher(config);
        this.embedded = config.embeddedStore() ? EmbeddedPostgresStore.start(config.dataDir()) : null;
        HikariDataSource opened;
        try {
            opened = openPool(config, embedded);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
        this.pool = opened;
        try {
            this.store = StoreSecrets.seal(JdbcDeliveryStore.migrate(pool), cipher);
            this.queries = new JdbcDeliveryQueries(pool);
            this.history = new QueueHistory(config.integer(ConfigKey.DASHBOARD_HISTORY));
            this.metrics = new ServerMetrics(history);
            SsrfGuard guard = ssrfGuard(config);
            DeliveryPolicy policy = DeliveryPolicies.from(config);
            OperatorNotifier notifying = null;
            if (config.flag(ConfigKey.WORKER_ENABLED)) {
                String owner = workerName();
                DeliveryWorker.Builder builder = DeliveryWorker.builder(store)
                        .owner(owner)
                        .policy(policy)
                        .ssrfGuard(guard)
                        .clock(clock)
                        .concurrency(config.integer(ConfigKey.WORKER_CONCURRENCY))
                        .lease(config.duration(ConfigKey.WORKER_LEASE))
                        .pollInterval(config.duration(ConfigKey.WORKER_POLL_INTERVAL))
                        .listener(new DeliveryEventRecorder(metrics));
                listeners.forEach(builder::listener);
                this.breakerStore = WorkerParts.configure(builder, config, pool, owner, clock);
                notifying = WorkerParts.operator(builder, config, store, clock);
                this.operator = notifying;
                this.worker = builder.build();
            } else {
                this.worker = null;
                this.breakerStore = null;
            }
            this.operator = notifying;
            OperatorNotifier operator = notifying;
            DeliveryWorker local = worker;
            var eventTypeStore = store.eventTypes();
            DeliveryService.Builder serviceBuilder = DeliveryService.builder(store).ssrfGuard(guard).clock(clock)
                    .statsWindow(Duration.ofHours(24)).eventTypes(eventTypeStore);
            if (local != null) {
                serviceBuilder.onEnqueued(local::wake); // sends on this node are claimed at once, not at the next poll
            }
            DeliveryService deliveries = serviceBuilder.build();
            ApiContext api = new ApiContext(deliveries, queries, endpointId -> {
                var state = local == null ? null : local.breakerState(endpointId);
                return state == null ? null : state.name();
            }, history, config.integer(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES), policy,
                    new dev.endure.delivery.EventCatalogue(eventTypeStore, clock), () -> operator == null
                    ? dev.endure.server.api.Json.object().put("enabled", false).set("events", dev.endure.server.api.Json.MAPPER.createArrayNode())
                    : operator.recentJson());
            if (worker != null) {
                metrics.watchWorker(worker::health);
            }
            this.http = HttpApi.create(api, new Auth(ApiKeys.of(config.apiKeys())), metrics, this::readiness,
                    config.flag(ConfigKey.METRICS_REQUIRE_KEY), gate);
            this.sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "endure-queue-sampler");
                thread.setDaemon(true);
                return thread;
            });
        } catch (RuntimeException e) {
            if (operator != null) {
                operator.close();
            }
            if (breakerStore != null) {
                breakerStore.close();
            }
            pool.close();
            if (embedded != null) {
                embedded.close();
            }
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
            server.retention = RetentionTask.start(new MessageRetention(server.pool, config.duration(ConfigKey.RETENTION_PERIOD),
                    config.integer(ConfigKey.RETENTION_BATCH_SIZE)), clock, config.duration(ConfigKey.RETENTION_INTERVAL));
            LOG.info("endure server listening on {} (store: {})", server.baseUrl(), config.embeddedStore() ? "embedded PostgreSQL in "
                    + server.embedded.directory() : "shared database");
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static HikariDataSource openPool(ServerConfig config, EmbeddedPostgresStore embedded) {
        HikariConfig hikari = new HikariConfig();
        if (embedded != null) {
            hikari.setJdbcUrl(embedded.jdbcUrl());
            hikari.setUsername(embedded.user());
        } else {
            hikari.setJdbcUrl(config.string(ConfigKey.STORE_URL));
            hikari.setUsername(config.string(ConfigKey.STORE_USER));
            hikari.setPassword(config.string(ConfigKey.STORE_PASSWORD));
        }
        hikari.setMaximumPoolSize(Math.max(2, config.integer(ConfigKey.STORE_POOL_SIZE)));
        hikari.setPoolName("endure-server");
        // Fail fast with a clear message instead of a 30 s wait when the database is not there at startup;
        // later, a request waits at most STORE_WAIT for a connection and then answers 503 with Retry-After.
        hikari.setConnectionTimeout(STORE_WAIT.toMillis());
        hikari.setValidationTimeout(Math.min(STORE_WAIT.toMillis(), 1000));
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
            int held = store.holdPendingOfDisabledEndpoints();
            if (held > 0) {
                LOG.info("held {} pending deliveries of disabled endpoints", held);
            }
            history.record(clock.instant(), store.countsByState());
        } catch (RuntimeException e) {
            LOG.warn("queue sample failed: {}", e.getMessage());
        }
    }

    /**
     * Ready for traffic: not shutting down, the store answers within {@link #READINESS_TIMEOUT}, and the worker
     * (if on) can claim and record. The store check runs on its own thread so that a store that hangs (a dead
     * network, an exhausted pool) makes the probe answer "not ready" in time instead of hanging it; at most one
     * check runs at a time.
     */
    public boolean ready() {
        return readiness() == null;
    }

    /** Why this node is not ready, or null when it is (what /health/ready answers). */
    public String readiness() {
        if (closing.get()) {
            return "shutting down";
        }
        CompletableFuture<Boolean> check = readinessCheck.get();
        if (check == null || check.isDone()) {
            CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(
                    () -> queries.answers((int) READINESS_TIMEOUT.toSeconds()), readinessProbe);
            check = readinessCheck.compareAndSet(check, next) ? next : readinessCheck.get();
        }
        boolean storeAnswers;
        try {
            storeAnswers = check.get(READINESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            storeAnswers = false;
        } catch (ExecutionException | TimeoutException notAnswering) {
            storeAnswers = false;
        }
        if (!storeAnswers) {
            return "the store does not answer";
        }
        if (worker != null && !worker.health().healthy()) {
            return worker.health().problem();
        }
        return null;
    }

    /** The event-type catalogue and subscriptions on this server's store. */
    public dev.endure.delivery.EventCatalogue eventTypes() {
        return new dev.endure.delivery.EventCatalogue(store.eventTypes(), clock);
    }

    /** Every route the HTTP API serves, as "METHOD /path/{param}" (what the OpenAPI document must list). */
    public java.util.Set<String> routes() {
        return dev.endure.server.api.OpenApiDocument.routes(http);
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

    /** API requests being answered right now (a graceful shutdown waits for them). */
    public int apiRequestsInFlight() {
        return gate.inFlight();
    }

    /** The name this process's worker leases deliveries under, or null when the worker is off. */
    public String workerOwner() {
        return worker == null ? null : worker.owner();
    }

    /**
     * Graceful shutdown (what SIGTERM runs): readiness turns false at once and new API requests are refused
     * with 503 and Retry-After (a producer resends them to another node or later, with the same
     * Idempotency-Key); the requests already in flight are answered (within {@code server.shutdownGrace});
     * then HTTP stops and the worker stops claiming; in-flight deliveries get the rest of the grace to finish,
     * whatever is still in flight is released back to the store (pending, due now, for any node), and the
     * pool and the embedded PostgreSQL stop. A send that completes after its release is rejected by its
     * fencing token, so nothing is recorded twice and nothing is lost; the receiver may see that one message
     * again (at-least-once), with the same {@code webhook-id} to de-duplicate.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        Duration grace = config.duration(ConfigKey.SERVER_SHUTDOWN_GRACE);
        long deadline = System.nanoTime() + grace.toNanos();
        LOG.info("endure server shutting down: refusing new requests, answering those in flight (grace {} s)", grace.toSeconds());
        if (worker != null) {
            worker.stopClaiming(); // nothing new is claimed or sent once shutdown begins; sends in flight finish below
        }
        sampler.shutdownNow();
        if (retention != null) {
            retention.close();
        }
        readinessProbe.shutdownNow();
        if (!gate.closeAndAwait(grace)) {
            LOG.warn("{} API requests were still running after {} s; stopping HTTP anyway", gate.inFlight(), grace.toSeconds());
        }
        http.stop();
        if (worker != null) {
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(worker::close, runnable -> {
                Thread thread = new Thread(runnable, "endure-worker-stop");
                thread.setDaemon(true);
                thread.start();
            });
            try {
                stopped.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn("in-flight deliveries did not finish within {} s; releasing them", grace.toSeconds());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.warn("stopping the worker failed: {}", e.getCause().toString());
            }
            try {
                int released = store.releaseLeases(worker.owner(), clock.instant());
                if (released > 0) {
                    LOG.info("released {} in-flight deliveries back to the queue", released);
                }
            } catch (RuntimeException e) {
                LOG.warn("could not release leases (they expire by themselves): {}", e.getMessage());
            }
        }
        if (operator != null) {
            operator.close();
        }
        if (breakerStore != null) {
            breakerStore.close();
        }
        metrics.close();
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
        LOG.info("endure server stopped");
    }
}
