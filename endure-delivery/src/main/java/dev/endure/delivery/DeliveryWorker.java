package dev.endure.delivery;

import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore;

import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.delivery.internal.ClaimLoop;
import dev.endure.delivery.internal.EndpointBreakers;
import dev.endure.delivery.internal.LeaseHeartbeat;
import dev.endure.delivery.internal.EndpointAdmission;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.delivery.transport.WebhookTransport;
import dev.endure.delivery.spi.EndpointRateLimits;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.limit.ConcurrencyLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Claims due deliveries from a {@link DeliveryStore}, sends them, and records each result with its
 * fencing token. Several workers (threads or nodes) share one store safely. Per endpoint it applies a
 * circuit breaker (core's {@link CircuitBreaker}, on this node), a rate limit (on this node) and a
 * concurrency bound (across nodes, counted from live leases).
 *
 * <pre>{@code
 * DeliveryWorker worker = DeliveryWorker.builder(store).owner("node-1").concurrency(8).listener(log::info).build();
 * worker.start();   // or worker.runOnce() from your own scheduler; worker.close() to stop
 * }</pre>
 *
 * <p>One delivery's attempt (breaker, vetting, signing, sending, deciding, recording) is
 * {@link DeliveryAttempt}. This class claims, keeps the claims' leases alive while they are in flight (a
 * heartbeat every quarter lease, so a dead node's claims move within one {@link Builder#lease lease}),
 * and watches its own trouble: a store that will not take a write, or a claim loop that keeps failing, is
 * reported once per change of state (events {@link DeliveryEvent.StoreUnreachable},
 * {@link DeliveryEvent.ClaimLoopFailing} and their recoveries), counted, and shown by {@link #health()}.
 */
public final class DeliveryWorker implements AutoCloseable {

    /** The claim loop counts as failing (in {@link #health()}) after this many failed polls in a row. */
    public static final int CLAIM_FAILURES_BEFORE_FAILING = 3;

    final DeliveryStore store;
    final String owner;
    final DeliveryPolicy policy;
    final SsrfGuard guard;
    final WebhookTransport transport;
    /** The default transport, created by and closed with this worker (null when the caller passed one). */
    private final HttpClientTransport ownTransport;
    final Clock clock;
    private final Scheduler scheduler;
    private final ScheduledExecutorService ownTimer;
    final RandomGenerator random;
    private final List<DeliveryListener> listeners;
    final List<dev.endure.retry.RetryListener> retryListeners;
    private final int concurrency;
    /** How many deliveries this node holds at once: sending, waiting for a sender, or being recorded. */
    private final int holding;
    /** Sends in flight (the transport's share): {@link #concurrency} at most, whatever {@link #holding} is. */
    private final Semaphore sending;
    /** Set by {@link #close()}: claims still waiting for a sender are given back instead of sent. */
    private volatile boolean stopping;
    private final Duration pollInterval;
    private final Duration lease;
    private final ExecutorService executor;
    private final LeaseHeartbeat heartbeat;
    private final EndpointBreakers breakers;
    private final EndpointAdmission admission;
    private final EndpointRateLimits rateLimits;
    /** The endpoints read for the latest claim. */
    private volatile Map<String, Endpoint> claimedEndpoints = Map.of();
    private final ClaimLoop poller;
    final AtomicLong listenerFailures = new AtomicLong();
    private final AtomicLong processingFailures = new AtomicLong();
    final WorkerTrouble trouble;

    private DeliveryWorker(Builder b) {
        this.store = b.store;
        this.owner = b.owner;
        this.policy = b.policy;
        this.guard = b.guard;
        this.ownTransport = b.transport == null ? HttpClientTransport.create() : null;
        this.transport = b.transport == null ? ownTransport : b.transport;
        this.clock = b.clock;
        this.random = b.random;
        this.listeners = List.copyOf(b.listeners);
        this.retryListeners = List.copyOf(b.retryListeners);
        this.concurrency = b.concurrency;
        this.holding = b.concurrency + b.claimAhead();
        this.sending = new Semaphore(b.concurrency, true);
        this.pollInterval = b.pollInterval;
        this.lease = b.lease;
        // Its own timer thread by default: a renewal can wait on a slow database without delaying anyone else's timers.
        this.ownTimer = b.scheduler != null ? null : LeaseHeartbeat.timerThread("endure-delivery-" + owner + "-heartbeat");
        this.scheduler = b.scheduler != null ? b.scheduler : Scheduler.of(ownTimer);
        this.trouble = new WorkerTrouble(owner, clock, this::emit);
        this.rateLimits = b.rateLimits != null ? b.rateLimits : EndpointRateLimits.local(clock);
        this.admission = new EndpointAdmission(rateLimits, b.adaptivePolicy == null ? null
                : ConcurrencyLimits.of("webhook", b.adaptivePolicy, clock), b.adaptiveByDefault);
        this.heartbeat = new LeaseHeartbeat(store, clock, scheduler, lease, b.heartbeatInterval(), trouble);
        this.breakers = new EndpointBreakers(b.breakerPolicy, clock, b.breakerStore);
        this.poller = new ClaimLoop(holding, pollInterval, this::claim, this::dispatch, trouble::claimSucceeded, trouble::claimFailed);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(holding, task -> {
            Thread thread = new Thread(task, "endure-delivery-" + owner + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public static Builder builder(DeliveryStore store) {
        return new Builder(store);
    }

    public String owner() {
        return owner;
    }

    /**
     * This node's breaker state for an endpoint (with a {@link Builder#breakerStore shared store}, as the cluster last
     * synced it); CLOSED if it has not been used here (null if breakers are off).
     */
    public BreakerState breakerState(String endpointId) {
        return breakers.state(endpointId);
    }

    /** How many times a listener threw (the exception was swallowed so the delivery went on). */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /**
     * How many attempts ended in an unexpected error outside the store being down (recorded on the delivery
     * as a failed attempt where the store allowed).
     */
    public long processingFailures() {
        return processingFailures.get();
    }

    /** The worker's own trouble right now, and its counters since start: what {@code /health/ready} and metrics read. */
    public WorkerHealth health() {
        return trouble.health();
    }

    /** How long a claim lives without a renewal; the heartbeat renews it every quarter of that while in flight. */
    public Duration lease() {
        return lease;
    }

    /**
     * Claims one batch (up to the concurrency), sends it in parallel and waits for it: for tests on
     * virtual time and for callers that schedule the worker themselves.
     *
     * @return how many deliveries were claimed
     */
    public int runOnce() {
        long start = System.nanoTime();
        List<Claim> claims = claim(concurrency);
        BatchTally batch = new BatchTally(owner, claims.size(), start, this::emit);
        List<Future<?>> running = new ArrayList<>(claims.size());
        for (Claim claim : claims) {
            running.add(executor.submit(() -> process(claim, batch)));
        }
        for (Future<?> task : running) {
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("delivery task failed", e.getCause());
            }
        }
        return claims.size();
    }

    /** Starts claiming and sending on a background thread until {@link #close()}. */
    public void start() {
        if (!poller.start("endure-delivery-" + owner + "-poller")) {
            throw new IllegalStateException("worker " + owner + " is already running");
        }
    }

    private void dispatch(List<Claim> claims) {
        BatchTally batch = new BatchTally(owner, claims.size(), System.nanoTime(), this::emit);
        for (Claim claim : claims) {
            executor.execute(() -> {
                try {
                    process(claim, batch);
                } finally {
                    poller.done(); // a poller waiting for room wakes here
                }
            });
        }
    }

    /**
     * Tells an idle worker that deliveries are due now (a send in this process committed), so it claims at once
     * rather than after its poll interval. Cheap and safe to call from any thread at any time; workers on other
     * nodes still find the deliveries at their next poll.
     */
    public void wake() {
        poller.wake();
    }

    /**
     * Stops claiming at once and gives back, unsent, the claims still waiting for a sender; sends in flight go on
     * (a server calls this as soon as shutdown begins, then {@link #close()} once its API has drained).
     */
    public void stopClaiming() {
        poller.stop();
        if (!stopping) {
            stopping = true;
            sending.release(holding); // wakes every claim waiting for a sender; each gives its claim back
        }
    }

    /** Stops the loop, lets in-flight sends finish (up to the policy timeout), and stops the senders. */
    @Override
    public void close() {
        stopClaiming();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(policy.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow(); // their leases expire and another worker takes over
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        heartbeat.close();
        if (ownTimer != null) {
            ownTimer.shutdownNow();
        }
        breakers.close();
        rateLimits.close();
        if (ownTransport != null) {
            ownTransport.close();
        }
    }

    // ---- claiming --------------------------------------------------------------------------------

    private List<Claim> claim(int limit) {
        List<Endpoint> endpoints = store.endpoints();
        Map<String, Endpoint> byId = new java.util.HashMap<>();
        for (Endpoint endpoint : endpoints) {
            byId.put(endpoint.id(), endpoint);
        }
        claimedEndpoints = byId;
        EndpointAdmission.Batch batch = admission.over(endpoints);
        List<Claim> claims;
        try {
            claims = store.claim(owner, limit, lease, clock.instant(), batch);
        } catch (RuntimeException failed) {
            batch.abandon();
            throw failed;
        }
        batch.settle(claims);
        return claims;
    }

    /** The endpoint's adaptive concurrency limit on this node, once a delivery to it went through one. */
    public Optional<dev.endure.limit.ConcurrencyLimit> adaptiveLimit(String endpointId) {
        return admission.adaptiveLimit(endpointId);
    }

    /**
     * The endpoint as read for the claim that leased {@code claim} (that claim's transaction skipped disabled
     * endpoints), so an attempt costs no read of its own; empty if it was not in that read.
     */
    Optional<Endpoint> claimedEndpoint(String endpointId) {
        return Optional.ofNullable(claimedEndpoints.get(endpointId));
    }

    // ---- one delivery (the attempt itself is DeliveryAttempt) ------------------------------------

    private void process(Claim claim, BatchTally batch) {
        AttemptOutcome outcome = null;
        heartbeat.track(claim);
        DeliveryAttempt attempt = new DeliveryAttempt(this, claim);
        try {
            outcome = attempt.run();
        } catch (RuntimeException unexpected) {
            // Not the store being down (that is retried inside the attempt): something about this one delivery.
            processingFailures.incrementAndGet();
            outcome = DeliveryAttempt.recordUnexpected(this, claim, unexpected);
        } finally {
            admission.ended(claim.endpointId(), attempt.loadSignal());
            heartbeat.untrack(claim);
            batch.done(outcome);
        }
    }

    /** A read or write the attempt cannot do without, retried until the store answers ({@link WorkerTrouble#untilStored}). */
    <T> T untilStored(String operation, java.util.function.Supplier<T> work) {
        return trouble.untilStored(operation, work, scheduler);
    }

    /**
     * Takes one of the {@link Builder#concurrency concurrency} sender permits, waiting for one: claimed deliveries
     * wait here, so a claim can lease a batch ahead and recording a result never holds up a send.
     *
     * @return false if the worker is stopping (the caller gives its claim back unsent)
     */
    boolean takeSender() {
        sending.acquireUninterruptibly();
        if (stopping) {
            sending.release();
            return false;
        }
        return true;
    }

    void releaseSender() {
        sending.release();
    }

    /** This node's breaker for an endpoint, or null when breakers are off. */
    CircuitBreaker breaker(String endpointId) {
        return breakers.breaker(endpointId);
    }

    void emit(DeliveryEvent event) {
        for (DeliveryListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                listenerFailures.incrementAndGet();
            }
        }
    }

    /** Builds a {@link DeliveryWorker}. */
    public static final class Builder {
        final DeliveryStore store;
        private String owner = "worker-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        private DeliveryPolicy policy = DeliveryPolicy.seed003();
        private SsrfGuard guard = SsrfGuard.defaults();
        private WebhookTransport transport; // null: a pooled HttpClientTransport owned by the worker
        private Clock clock = Clock.system();
        private Scheduler scheduler;
        private Duration lease = Duration.ofSeconds(20);
        private Duration heartbeat;
        private RandomGenerator random;
        private final List<DeliveryListener> listeners = new ArrayList<>();
        private final List<dev.endure.retry.RetryListener> retryListeners = new ArrayList<>();
        private int concurrency = 8;
        private Integer claimAhead;
        private Duration pollInterval = Duration.ofMillis(500);
        private dev.endure.breaker.BreakerStore breakerStore;
        private EndpointRateLimits rateLimits;
        private ConcurrencyLimitPolicy adaptivePolicy;
        private boolean adaptiveByDefault;
        private CircuitBreakerPolicy breakerPolicy = CircuitBreakerPolicy.builder().name("webhook").consecutiveFailures(5)
                .openDuration(Duration.ofSeconds(30)).maxOpenDuration(Duration.ofMinutes(10)).build();

        private Builder(DeliveryStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** This worker's name in leases (unique per node; shows in the delivery table while in flight). */
        public Builder owner(String value) {
            if (value == null || value.isBlank() || value.length() > 128) {
                throw new IllegalArgumentException("worker owner must be 1 to 128 characters (was '" + value + "')");
            }
            this.owner = value;
            return this;
        }

        public Builder policy(DeliveryPolicy value) {
            this.policy = Objects.requireNonNull(value, "policy");
            return this;
        }

        public Builder ssrfGuard(SsrfGuard value) {
            this.guard = Objects.requireNonNull(value, "ssrfGuard");
            return this;
        }

        public Builder transport(WebhookTransport value) {
            this.transport = Objects.requireNonNull(value, "transport");
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Where the heartbeat's timer runs and store retries wait; by default a timer thread of this worker's
         * own. Tests on virtual time pass their {@code VirtualTime}.
         */
        public Builder scheduler(Scheduler value) {
            this.scheduler = Objects.requireNonNull(value, "scheduler");
            return this;
        }

        /**
         * How long a claim lives without renewal (default 20 s). While a delivery is in flight its lease is
         * renewed every {@link #heartbeat heartbeat} (a quarter of this by default), so a live worker never
         * loses it however long the send takes, and a dead node's claims are taken over within one lease.
         */
        public Builder lease(Duration value) {
            if (value == null || value.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("worker lease must be at least 100 ms (was " + value + ")");
            }
            this.lease = value;
            return this;
        }

        /** How often the leases of deliveries in flight are renewed; must be under half the lease. */
        public Builder heartbeat(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("heartbeat must be positive (was " + value + ")");
            }
            this.heartbeat = value;
            return this;
        }

        Duration heartbeatInterval() {
            return heartbeat != null ? heartbeat : lease.dividedBy(4);
        }

        /** The jitter's random numbers (tests pass a seeded one); shared by all senders, so thread-safe or concurrency 1. */
        public Builder random(RandomGenerator value) {
            this.random = Objects.requireNonNull(value, "random");
            return this;
        }

        /**
         * Also reports each attempt as endure-core {@link dev.endure.retry.RetryEvent}s (policy name
         * {@code webhook:<endpoint id>}, result the {@link AttemptResult}), so core listeners such as
         * endure-observe's retry log see deliveries like any other retried call.
         */
        public Builder retryListener(dev.endure.retry.RetryListener value) {
            retryListeners.add(Objects.requireNonNull(value, "retryListener"));
            return this;
        }

        public Builder listener(DeliveryListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /** How many sends run at once on this node (and the largest batch claimed). */
        public Builder concurrency(int value) {
            if (value < 1 || value > 1024) {
                throw new IllegalArgumentException("concurrency must be 1 to 1024 (was " + value + ")");
            }
            this.concurrency = value;
            return this;
        }

        /**
         * How many deliveries this node may hold beyond the ones sending: leased and waiting for a free sender, or
         * sent and waiting for their result to be recorded (default 3 × concurrency, at most 512). Their leases
         * are renewed like those of sends in flight; a larger value lets one claim lease a bigger batch and lets
         * results be recorded in bigger groups, while at most {@link #concurrency} requests are ever in flight.
         */
        public Builder claimAhead(int value) {
            if (value < 0 || value > 4096) {
                throw new IllegalArgumentException("claimAhead must be 0 to 4096 (was " + value + ")");
            }
            this.claimAhead = value;
            return this;
        }

        int claimAhead() {
            return claimAhead != null ? claimAhead : Math.min(512, 3 * concurrency);
        }

        /** How long an idle worker waits before looking for due deliveries again. */
        public Builder pollInterval(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive (was " + value + ")");
            }
            this.pollInterval = value;
            return this;
        }

        /** The per-endpoint breaker's policy (named per endpoint); null to send without a breaker. */
        public Builder breaker(CircuitBreakerPolicy value) {
            this.breakerPolicy = value;
            return this;
        }

        /**
         * Where the per-endpoint breakers share their state with the other nodes (core's {@code JdbcBreakerStore} on the
         * delivery database): a breaker one node opens is open on every node within the store's sync interval. Null
         * (the default) keeps each node's breakers to itself.
         */
        public Builder breakerStore(dev.endure.breaker.BreakerStore value) {
            this.breakerStore = value;
            return this;
        }

        /**
         * Where endpoints' rate limits take their tokens: {@link EndpointRateLimits#local} by default (each node on its
         * own), or {@code JdbcEndpointRateLimits} for a rate that holds for the whole cluster. The worker closes it.
         */
        public Builder rateLimits(EndpointRateLimits value) {
            this.rateLimits = Objects.requireNonNull(value, "rateLimits");
            return this;
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
        public Builder adaptiveConcurrency(ConcurrencyLimitPolicy policy, boolean byDefault) {
            this.adaptivePolicy = policy;
            this.adaptiveByDefault = policy != null && byDefault;
            return this;
        }

        public DeliveryWorker build() {
            if (heartbeatInterval().multipliedBy(2).compareTo(lease) >= 0) {
                throw new IllegalArgumentException("heartbeat (" + dev.endure.Durations.describe(heartbeatInterval())
                        + ") must be under half the worker lease (" + dev.endure.Durations.describe(lease)
                        + "), so one late renewal does not lose a claim");
            }
            if (scheduler == null && clock instanceof Scheduler virtual) {
                scheduler = virtual; // a test's virtual time drives the heartbeat too
            }
            return new DeliveryWorker(this);
        }
    }
}
