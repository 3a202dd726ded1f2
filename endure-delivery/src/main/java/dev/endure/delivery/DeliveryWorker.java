package dev.endure.delivery;

import dev.endure.Clock;
import dev.endure.Verdict;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.delivery.internal.RateLimiter;
import dev.endure.delivery.signing.WebhookSigner;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.delivery.transport.WebhookRequest;
import dev.endure.delivery.transport.WebhookResponse;
import dev.endure.delivery.transport.WebhookTransport;
import dev.endure.http.RetryAfter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
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
 * <p>Order of one delivery: breaker permission (an open breaker gives the claim back, due when it
 * half-opens, without counting an attempt) → SSRF vetting of the URL (resolve once) → sign → send to
 * the vetted address → decide ({@link DeliveryDecider}) → record with the fencing token → failure-rate
 * check. No database transaction is open while the request is in flight.
 */
public final class DeliveryWorker implements AutoCloseable {

    /** The longest a poller with a backlog waits to gather senders into one claim. */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final DeliveryStore store;
    private final String owner;
    private final DeliveryPolicy policy;
    private final SsrfGuard guard;
    private final WebhookTransport transport;
    /** The default transport, created by and closed with this worker (null when the caller passed one). */
    private final HttpClientTransport ownTransport;
    private final Clock clock;
    private final RandomGenerator random;
    private final List<DeliveryListener> listeners;
    private final List<dev.endure.retry.RetryListener> retryListeners;
    private final int concurrency;
    private final Duration pollInterval;
    private final Function<String, CircuitBreaker> breakerFactory;
    private final ExecutorService executor;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
    /** The endpoints as read for the latest claim, whose transaction skipped disabled ones: no read per delivery. */
    private volatile Map<String, Endpoint> claimedEndpoints = Map.of();
    private final Semaphore slots;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong listenerFailures = new AtomicLong();
    private final AtomicLong processingFailures = new AtomicLong();
    private volatile Thread loop;

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
        this.pollInterval = b.pollInterval;
        CircuitBreakerPolicy breakerPolicy = b.breakerPolicy;
        this.breakerFactory = breakerPolicy == null ? null
                : endpointId -> CircuitBreaker.builder(breakerPolicy.toBuilder().name("webhook:" + endpointId).build()).clock(clock).build();
        this.slots = new Semaphore(concurrency);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(concurrency, task -> {
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

    /** This node's breaker state for an endpoint; CLOSED if it has not been used here (null if breakers are off). */
    public BreakerState breakerState(String endpointId) {
        if (breakerFactory == null) {
            return null;
        }
        CircuitBreaker breaker = breakers.get(endpointId);
        return breaker == null ? BreakerState.CLOSED : breaker.state();
    }

    /** How many times a listener threw (the exception was swallowed so the delivery went on). */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /**
     * How many deliveries ended in an unexpected error (typically the store failing while recording);
     * their leases expire and they are claimed again.
     */
    public long processingFailures() {
        return processingFailures.get();
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
        Batch batch = new Batch(claims.size(), start);
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
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("worker " + owner + " is already running");
        }
        Thread thread = new Thread(this::loop, "endure-delivery-" + owner + "-poller");
        thread.setDaemon(true);
        loop = thread;
        thread.start();
    }

    private void loop() {
        boolean backlog = false;
        while (running.get()) {
            try {
                slots.acquire(); // wait for at least one free sender
                int free = 1 + slots.drainPermits();
                if (backlog) {
                    free += gatherSenders(free);
                }
                List<Claim> claims;
                try {
                    claims = claim(free);
                } catch (RuntimeException storeDown) {
                    slots.release(free);
                    pause(); // the database is unreachable: try again after the poll interval
                    continue;
                }
                slots.release(free - claims.size());
                backlog = !claims.isEmpty() && claims.size() == free; // a full batch: more are probably due
                Batch batch = new Batch(claims.size(), System.nanoTime());
                for (Claim claim : claims) {
                    executor.execute(() -> {
                        try {
                            process(claim, batch);
                        } finally {
                            slots.release(); // a poller blocked on a full house wakes here
                        }
                    });
                }
                if (claims.isEmpty()) {
                    pause();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * With a backlog, waits briefly (at most {@link #GATHER_NANOS}) for more senders to come free before
     * claiming, so one claim transaction leases a batch rather than one delivery per finished send.
     *
     * @return how many more permits were taken
     */
    private int gatherSenders(int free) throws InterruptedException {
        int wanted = Math.max(1, concurrency / 2) - free;
        int more = 0;
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (more < wanted) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            more += 1 + slots.drainPermits();
        }
        return more;
    }

    private void pause() throws InterruptedException {
        // Only the idle poller waits here; close() interrupts it.
        TimeUnit.NANOSECONDS.sleep(pollInterval.toNanos());
    }

    /** Stops the loop, lets in-flight sends finish (up to the policy timeout), and stops the senders. */
    @Override
    public void close() {
        running.set(false);
        Thread thread = loop;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(policy.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow(); // their leases expire and another worker takes over
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        breakers.values().forEach(CircuitBreaker::close);
        if (ownTransport != null) {
            ownTransport.close();
        }
    }

    // ---- claiming --------------------------------------------------------------------------------

    private List<Claim> claim(int limit) {
        Map<String, Endpoint> endpoints = new HashMap<>();
        for (Endpoint endpoint : store.endpoints()) {
            endpoints.put(endpoint.id(), endpoint);
        }
        Duration lease = policy.lease();
        for (Endpoint endpoint : endpoints.values()) {
            Duration endpointLease = policy.forEndpoint(endpoint.policy()).lease();
            if (endpointLease.compareTo(lease) > 0) {
                lease = endpointLease;
            }
        }
        claimedEndpoints = endpoints;
        DeliveryStore.ClaimAdmission admission = new DeliveryStore.ClaimAdmission() {
            @Override
            public boolean admit(String endpointId, int inFlight) {
                Endpoint endpoint = endpoints.get(endpointId);
                if (endpoint == null) {
                    return false;
                }
                if (endpoint.maxConcurrency() > 0 && inFlight >= endpoint.maxConcurrency()) {
                    return false;
                }
                return endpoint.rateLimitPerSecond() <= 0 || limiter(endpoint).tryAcquire();
            }

            @Override
            public boolean countsInFlight(String endpointId) {
                Endpoint endpoint = endpoints.get(endpointId);
                return endpoint != null && endpoint.maxConcurrency() > 0;
            }

            @Override
            public Duration deferRefused() {
                return Duration.ofSeconds(1);
            }
        };
        return store.claim(owner, limit, lease, clock.instant(), admission);
    }

    private RateLimiter limiter(Endpoint endpoint) {
        RateLimiter limiter = limiters.get(endpoint.id());
        if (limiter == null || limiter.intervalNanos() != Math.max(1, (long) (1_000_000_000L / endpoint.rateLimitPerSecond()))) {
            limiter = new RateLimiter(endpoint.rateLimitPerSecond(), clock);
            limiters.put(endpoint.id(), limiter);
        }
        return limiter;
    }

    // ---- one delivery ----------------------------------------------------------------------------

    private void process(Claim claim, Batch batch) {
        AttemptOutcome outcome = null;
        try {
            outcome = deliver(claim);
        } catch (RuntimeException unexpected) {
            // A store failure while recording: the lease runs out and the delivery is claimed again.
            processingFailures.incrementAndGet();
            outcome = null;
        } finally {
            batch.done(outcome);
        }
    }

    private AttemptOutcome deliver(Claim claim) {
        Endpoint known = claimedEndpoints.get(claim.endpointId());
        Optional<Endpoint> found = known != null ? Optional.of(known) : store.endpoint(claim.endpointId());
        if (found.isEmpty() || !found.get().enabled()) {
            store.release(claim, clock.instant()); // disabled meanwhile: the claim query will not pick it up again
            return null;
        }
        Endpoint endpoint = found.get();
        DeliveryPolicy effective = policy.forEndpoint(endpoint.policy());
        CircuitBreaker breaker = breakerFactory == null ? null : breakers.computeIfAbsent(endpoint.id(), breakerFactory);
        CircuitBreaker.Permit permit = null;
        if (breaker != null) {
            try {
                permit = breaker.acquirePermission();
            } catch (CallNotPermittedException open) {
                Instant retryAt = clock.instant().plus(open.retryAfter().orElse(Duration.ofSeconds(1)));
                store.release(claim, retryAt); // not an attempt: the endpoint was not called
                return null;
            }
        }
        Instant started = clock.instant();
        AttemptResult result = send(endpoint, claim, effective, started);
        if (permit != null) {
            if (result.status() != null && result.status() >= 200 && result.status() < 300) {
                permit.recordSuccess(result.latency().toNanos());
            } else if (DeliveryDecider.isThrottling(effective, result)) {
                permit.release(); // "slow down" is not "broken"
            } else {
                permit.record(Verdict.retry(result.describe()), result.latency().toNanos());
            }
        }
        Instant ended = clock.instant();
        Instant windowStart = claim.windowStart() != null ? claim.windowStart() : started;
        Decision decision = DeliveryDecider.decide(effective, claim.attemptNumber(), windowStart, ended, result, null,
                random != null ? random : ThreadLocalRandom.current());
        return record(claim, endpoint, effective, started, result, decision);
    }

    private AttemptResult send(Endpoint endpoint, Claim claim, DeliveryPolicy effective, Instant now) {
        long start = System.nanoTime();
        try {
            List<InetAddress> addresses = guard.vet(endpoint.url());
            Map<String, String> headers = WebhookSigner.headers(claim.messageId(), now, claim.payload(),
                    endpoint.signingKeys().signingAt(now));
            WebhookResponse response = transport.send(new WebhookRequest(endpoint.url(), addresses, headers, claim.payload(),
                    effective.timeout()));
            Duration retryAfter = response.header("retry-after")
                    .flatMap(value -> RetryAfter.parse(value, clock.instant()).delay()).orElse(null);
            return AttemptResult.status(response.status(), retryAfter, response.latency(), response.bodySnippet());
        } catch (IOException e) {
            return AttemptResult.error(describe(e, effective), Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static String describe(IOException e, DeliveryPolicy effective) {
        if (e instanceof dev.endure.delivery.ssrf.SsrfBlockedException) {
            return "refused by the SSRF guard: " + e.getMessage();
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out after " + dev.endure.Durations.describe(effective.timeout());
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private AttemptOutcome record(Claim claim, Endpoint endpoint, DeliveryPolicy effective, Instant started, AttemptResult result,
            Decision decision) {
        Transition transition;
        AttemptOutcome outcome;
        Instant next = null;
        String terminal = null;
        if (decision instanceof Decision.Delivered) {
            transition = new Transition.Delivered();
            outcome = AttemptOutcome.DELIVERED;
        } else if (decision instanceof Decision.Retry retry) {
            transition = new Transition.RetryAt(retry.at());
            outcome = AttemptOutcome.RETRY_SCHEDULED;
            next = retry.at();
        } else if (decision instanceof Decision.GiveUp giveUp) {
            transition = new Transition.Failed(giveUp.reason());
            outcome = AttemptOutcome.FAILED;
            terminal = giveUp.reason();
        } else {
            Decision.DisableEndpoint disable = (Decision.DisableEndpoint) decision;
            transition = new Transition.Held("endpoint disabled: " + disable.reason());
            outcome = AttemptOutcome.HELD;
            terminal = "endpoint disabled: " + disable.reason();
        }
        Attempt attempt = new Attempt(claim.deliveryId(), claim.endpointId(), claim.attemptNumber(), claim.fencingToken(), started,
                result.latency(), result.status(), result.error(), result.responseSnippet(), outcome, next, terminal);
        try {
            store.complete(claim, attempt, transition);
        } catch (StaleLeaseException stale) {
            emit(new DeliveryEvent.StaleResultRejected(claim.deliveryId(), owner, claim.fencingToken()));
            return null;
        }
        emitCore(claim, started, result, decision);
        int attempts = claim.attemptNumber();
        if (decision instanceof Decision.Delivered) {
            emit(new DeliveryEvent.Delivered(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts, result.latency()));
            return outcome;
        }
        if (decision instanceof Decision.Retry retry) {
            emit(new DeliveryEvent.RetryScheduled(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts, retry.delay(),
                    retry.at(), retry.reason()));
        } else if (decision instanceof Decision.GiveUp giveUp) {
            emit(switch (giveUp.cause()) {
                case PERMANENT -> new DeliveryEvent.Failed(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts, giveUp.reason());
                case DURATION_EXCEEDED -> new DeliveryEvent.DurationExceeded(claim.deliveryId(), claim.messageId(), claim.endpointId(),
                        attempts, giveUp.refusedDelay(), giveUp.reason());
                case MAX_ATTEMPTS -> new DeliveryEvent.MaxRetriesExceeded(claim.deliveryId(), claim.messageId(), claim.endpointId(),
                        attempts, giveUp.reason());
            });
        } else {
            String reason = ((Decision.DisableEndpoint) decision).reason() + " (delivery " + claim.deliveryId() + ")";
            if (store.disableEndpoint(endpoint.id(), reason, clock.instant())) {
                emit(new DeliveryEvent.EndpointPermanentlyDisabled(endpoint.id(), "endpoint " + endpoint.url() + " disabled: " + reason));
            }
            return outcome;
        }
        checkFailureRate(endpoint, effective);
        return outcome;
    }

    private void checkFailureRate(Endpoint endpoint, DeliveryPolicy effective) {
        FailureRateRule rule = effective.failureRate();
        Instant now = clock.instant();
        EndpointAttemptStats stats = store.endpointStats(endpoint.id(), now.minus(rule.window()));
        if (rule.trips(stats) && store.disableEndpoint(endpoint.id(), rule.describe(stats), now)) {
            emit(new DeliveryEvent.EndpointFailureRateDisabled(endpoint.id(),
                    "endpoint " + endpoint.url() + " disabled: " + rule.describe(stats), stats));
        }
    }

    private void emitCore(Claim claim, Instant started, AttemptResult result, Decision decision) {
        if (retryListeners.isEmpty()) {
            return;
        }
        Instant windowStart = claim.windowStart() != null ? claim.windowStart() : started;
        Duration elapsed = Duration.between(windowStart, clock.instant());
        for (dev.endure.retry.RetryEvent event : CoreRetryEvents.of(claim, result, decision, elapsed)) {
            for (dev.endure.retry.RetryListener listener : retryListeners) {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException e) {
                    listenerFailures.incrementAndGet();
                }
            }
        }
    }

    private void emit(DeliveryEvent event) {
        for (DeliveryListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                listenerFailures.incrementAndGet();
            }
        }
    }

    /** Counts one claimed batch's outcomes and reports it when its last delivery ends. */
    private final class Batch {
        private final AtomicInteger remaining;
        private final AtomicInteger delivered = new AtomicInteger();
        private final AtomicInteger retried = new AtomicInteger();
        private final AtomicInteger failed = new AtomicInteger();
        private final AtomicInteger held = new AtomicInteger();
        private final int size;
        private final long startNanos;

        Batch(int size, long startNanos) {
            this.size = size;
            this.startNanos = startNanos;
            this.remaining = new AtomicInteger(size);
        }

        void done(AttemptOutcome outcome) {
            if (outcome != null) {
                switch (outcome) {
                    case DELIVERED -> delivered.incrementAndGet();
                    case RETRY_SCHEDULED -> retried.incrementAndGet();
                    case FAILED -> failed.incrementAndGet();
                    case HELD -> held.incrementAndGet();
                }
            }
            if (remaining.decrementAndGet() == 0) {
                emit(new DeliveryEvent.QueueProcessed(owner, size, delivered.get(), retried.get(), failed.get(), held.get(),
                        Duration.ofNanos(System.nanoTime() - startNanos)));
            }
        }
    }

    /** Builds a {@link DeliveryWorker}. */
    public static final class Builder {
        private final DeliveryStore store;
        private String owner = "worker-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        private DeliveryPolicy policy = DeliveryPolicy.seed003();
        private SsrfGuard guard = SsrfGuard.defaults();
        private WebhookTransport transport; // null: a pooled HttpClientTransport owned by the worker
        private Clock clock = Clock.system();
        private RandomGenerator random;
        private final List<DeliveryListener> listeners = new ArrayList<>();
        private final List<dev.endure.retry.RetryListener> retryListeners = new ArrayList<>();
        private int concurrency = 8;
        private Duration pollInterval = Duration.ofMillis(500);
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

        public DeliveryWorker build() {
            return new DeliveryWorker(this);
        }
    }
}
