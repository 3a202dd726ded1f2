package dev.endure.delivery;

import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore;

import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.delivery.internal.ClaimLoop;
import dev.endure.delivery.internal.EndpointBreakers;
import dev.endure.delivery.internal.LeaseHeartbeat;
import dev.endure.delivery.internal.EndpointAdmission;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.delivery.transport.WebhookTransport;
import dev.endure.delivery.spi.EndpointRateLimits;
import dev.endure.limit.ConcurrencyLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** Builds a {@link DeliveryWorker}; its settings and their checks are {@link DeliveryWorkerSettings}. */
    public static final class Builder extends DeliveryWorkerSettings {

        private Builder(DeliveryStore store) {
            super(store);
        }

        @Override
        Builder self() {
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
