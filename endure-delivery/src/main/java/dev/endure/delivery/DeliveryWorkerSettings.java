package dev.endure.delivery;

import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.delivery.transport.WebhookTransport;
import dev.endure.delivery.spi.EndpointRateLimits;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.limit.ConcurrencyLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The settings a {@link DeliveryWorker.Builder} collects, with their defaults and the checks each setter makes; the
 * builder adds only {@code build()}. Package-private: applications see these setters on the builder.
 */
abstract class DeliveryWorkerSettings {
    final DeliveryStore store;
    String owner = "worker-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    DeliveryPolicy policy = DeliveryPolicy.seed003();
    SsrfGuard guard = SsrfGuard.defaults();
    WebhookTransport transport; // null: a pooled HttpClientTransport owned by the worker
    Clock clock = Clock.system();
    Scheduler scheduler;
    Duration lease = Duration.ofSeconds(20);
    Duration heartbeat;
    RandomGenerator random;
    final List<DeliveryListener> listeners = new ArrayList<>();
    final List<dev.endure.retry.RetryListener> retryListeners = new ArrayList<>();
    int concurrency = 8;
    Integer claimAhead;
    Duration pollInterval = Duration.ofMillis(500);
    dev.endure.breaker.BreakerStore breakerStore;
    EndpointRateLimits rateLimits;
    ConcurrencyLimitPolicy adaptivePolicy;
    boolean adaptiveByDefault;
    CircuitBreakerPolicy breakerPolicy = CircuitBreakerPolicy.builder().name("webhook").consecutiveFailures(5)
            .openDuration(Duration.ofSeconds(30)).maxOpenDuration(Duration.ofMinutes(10)).build();

    /** This worker's name in leases (unique per node; shows in the delivery table while in flight). */
    public DeliveryWorker.Builder owner(String value) {
        if (value == null || value.isBlank() || value.length() > 128) {
            throw new IllegalArgumentException("worker owner must be 1 to 128 characters (was '" + value + "')");
        }
        this.owner = value;
        return self();
    }

    public DeliveryWorker.Builder policy(DeliveryPolicy value) {
        this.policy = Objects.requireNonNull(value, "policy");
        return self();
    }

    public DeliveryWorker.Builder ssrfGuard(SsrfGuard value) {
        this.guard = Objects.requireNonNull(value, "ssrfGuard");
        return self();
    }

    public DeliveryWorker.Builder transport(WebhookTransport value) {
        this.transport = Objects.requireNonNull(value, "transport");
        return self();
    }

    public DeliveryWorker.Builder clock(Clock value) {
        this.clock = Objects.requireNonNull(value, "clock");
        return self();
    }

    /**
     * Where the heartbeat's timer runs and store retries wait; by default a timer thread of this worker's
     * own. Tests on virtual time pass their {@code VirtualTime}.
     */
    public DeliveryWorker.Builder scheduler(Scheduler value) {
        this.scheduler = Objects.requireNonNull(value, "scheduler");
        return self();
    }

    /**
     * How long a claim lives without renewal (default 20 s). While a delivery is in flight its lease is
     * renewed every {@link #heartbeat heartbeat} (a quarter of this by default), so a live worker never
     * loses it however long the send takes, and a dead node's claims are taken over within one lease.
     */
    public DeliveryWorker.Builder lease(Duration value) {
        if (value == null || value.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("worker lease must be at least 100 ms (was " + value + ")");
        }
        this.lease = value;
        return self();
    }

    /** How often the leases of deliveries in flight are renewed; must be under half the lease. */
    public DeliveryWorker.Builder heartbeat(Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("heartbeat must be positive (was " + value + ")");
        }
        this.heartbeat = value;
        return self();
    }

    Duration heartbeatInterval() {
        return heartbeat != null ? heartbeat : lease.dividedBy(4);
    }

    /** The jitter's random numbers (tests pass a seeded one); shared by all senders, so thread-safe or concurrency 1. */
    public DeliveryWorker.Builder random(RandomGenerator value) {
        this.random = Objects.requireNonNull(value, "random");
        return self();
    }

    /**
     * Also reports each attempt as endure-core {@link dev.endure.retry.RetryEvent}s (policy name
     * {@code webhook:<endpoint id>}, result the {@link AttemptResult}), so core listeners such as
     * endure-observe's retry log see deliveries like any other retried call.
     */
    public DeliveryWorker.Builder retryListener(dev.endure.retry.RetryListener value) {
        retryListeners.add(Objects.requireNonNull(value, "retryListener"));
        return self();
    }

    public DeliveryWorker.Builder listener(DeliveryListener value) {
        listeners.add(Objects.requireNonNull(value, "listener"));
        return self();
    }

    /** How many sends run at once on this node (and the largest batch claimed). */
    public DeliveryWorker.Builder concurrency(int value) {
        if (value < 1 || value > 1024) {
            throw new IllegalArgumentException("concurrency must be 1 to 1024 (was " + value + ")");
        }
        this.concurrency = value;
        return self();
    }

    /**
     * How many deliveries this node may hold beyond the ones sending: leased and waiting for a free sender, or
     * sent and waiting for their result to be recorded (default 3 × concurrency, at most 512). Their leases
     * are renewed like those of sends in flight; a larger value lets one claim lease a bigger batch and lets
     * results be recorded in bigger groups, while at most {@link #concurrency} requests are ever in flight.
     */
    public DeliveryWorker.Builder claimAhead(int value) {
        if (value < 0 || value > 4096) {
            throw new IllegalArgumentException("claimAhead must be 0 to 4096 (was " + value + ")");
        }
        this.claimAhead = value;
        return self();
    }

    int claimAhead() {
        return claimAhead != null ? claimAhead : Math.min(512, 3 * concurrency);
    }

    /** How long an idle worker waits before looking for due deliveries again. */
    public DeliveryWorker.Builder pollInterval(Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive (was " + value + ")");
        }
        this.pollInterval = value;
        return self();
    }

    /** The per-endpoint breaker's policy (named per endpoint); null to send without a breaker. */
    public DeliveryWorker.Builder breaker(CircuitBreakerPolicy value) {
        this.breakerPolicy = value;
        return self();
    }

    /**
     * Where the per-endpoint breakers share their state with the other nodes (core's {@code JdbcBreakerStore} on the
     * delivery database): a breaker one node opens is open on every node within the store's sync interval. Null
     * (the default) keeps each node's breakers to itself.
     */
    public DeliveryWorker.Builder breakerStore(dev.endure.breaker.BreakerStore value) {
        this.breakerStore = value;
        return self();
    }

    /**
     * Where endpoints' rate limits take their tokens: {@link EndpointRateLimits#local} by default (each node on its
     * own), or {@code JdbcEndpointRateLimits} for a rate that holds for the whole cluster. The worker closes it.
     */
    public DeliveryWorker.Builder rateLimits(EndpointRateLimits value) {
        this.rateLimits = Objects.requireNonNull(value, "rateLimits");
        return self();
    }

    /**
     * An adaptive concurrency limit per endpoint on this node (core's {@link ConcurrencyLimits}): it shrinks when the
     * receiver answers 429/503 (its status table's throttling statuses) or times out, or its latency climbs, and
     * grows back while it keeps up. A delivery refused by it stays pending (a second later) for a later claim.
     *
     * @param policy an adaptive policy (its name is the prefix; each endpoint's limit is {@code name@endpointId});
     *     null turns the limits off
     * @param byDefault whether endpoints that do not say ({@link Endpoint#adaptiveConcurrency()} null) get one
     */
    public DeliveryWorker.Builder adaptiveConcurrency(ConcurrencyLimitPolicy policy, boolean byDefault) {
        this.adaptivePolicy = policy;
        this.adaptiveByDefault = policy != null && byDefault;
        return self();
    }

    DeliveryWorkerSettings(DeliveryStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    abstract DeliveryWorker.Builder self();
}
