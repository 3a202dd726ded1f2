package dev.endure.http;

import dev.endure.Durations;
import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.VirtualTime;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.NestedRetries;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryGate;
import dev.endure.retry.RetryListener;
import dev.endure.retry.RetryStats;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A {@link HttpClient} that retries: every {@link #send} and {@link #sendAsync} runs under the
 * endure-core {@link Retrier}, with HTTP's own rules ({@link HttpRetryRules}): retryable statuses and
 * network failures, {@code Retry-After} as a floor, an idempotency guard, replayable bodies only, a
 * per-attempt timeout and a max duration for the whole call, and one lane per host with its own retry budget (or
 * any retry gate), circuit breaker and stats, when configured. Drop-in: it is an {@code HttpClient}, so code that
 * takes one needs no change.
 *
 * <pre>{@code
 * HttpClient billing = ResilientHttpClient.builder(HttpClient.newHttpClient())
 *     .name("billing")
 *     .maxAttempts(4)                                            // 1 try + 3 retries (seed 004)
 *     .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0).withJitter(Jitter.proportional(0.2)))
 *     .attemptTimeout(Duration.ofSeconds(2))
 *     .maxDuration(Duration.ofSeconds(10))
 *     .build();
 * HttpResponse<String> created = billing.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p>Outcomes: a success or a non-retryable status (say 404) is returned as the plain client would
 * return it; a non-retryable failure is thrown unchanged; when retries run out the caller gets an
 * {@link HttpRetriesExhaustedException} (an {@code IOException}); when a retry gate refuses a retry the
 * original response or exception reaches the caller unchanged.
 */
public final class ResilientHttpClient extends DelegatingHttpClient {

        private final ClientSettings settings;
    private final HostLanes lanes;

    ResilientHttpClient(ClientSettings settings) {
        super(settings.delegate());
        this.settings = settings;
        this.lanes = new HostLanes(settings);
    }

    /** Starts a client that sends through {@code delegate} (which keeps its own connection pool and settings). */
    public static Builder builder(HttpClient delegate) {
        return new Builder(delegate);
    }

    /** The client's name, used in events, logs and the policy name of each host ({@code name@host:port}). */
    public String name() {
        return settings.name();
    }

    public HttpRetryRules rules() {
        return settings.rules();
    }

    /** The concurrency limit of {@code uri}'s host, once a call was made to it and if limits are configured. */
    public Optional<dev.endure.limit.ConcurrencyLimit> concurrencyLimit(URI uri) {
        return lanes.existing(uri).map(HostLanes.Lane::limit);
    }

    /** The circuit breaker of {@code uri}'s host, once a call was made to it and if breakers are configured. */
    public Optional<CircuitBreaker> circuitBreaker(URI uri) {
        return lanes.existing(uri).map(HostLanes.Lane::breaker);
    }

    /** Counters of every call made to {@code uri}'s host so far; empty if none was. */
    public Optional<RetryStats.Snapshot> stats(URI uri) {
        return lanes.stats(uri);
    }

    // ---------------------------------------------------------------- sending

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws IOException, InterruptedException {
        return prepare(request, handler).send();
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
        return prepare(request, handler).sendAsync();
    }

    /**
     * Push promises would arrive once per attempt, so they are not supported; with a null handler this is
     * {@link #sendAsync(HttpRequest, BodyHandler)}.
     */
    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler,
            PushPromiseHandler<T> pushPromiseHandler) {
        if (pushPromiseHandler != null) {
            throw new UnsupportedOperationException("ResilientHttpClient '" + name() + "' does not support push promises:"
                    + " a retried request would deliver them once per attempt; send through the plain HttpClient instead");
        }
        return sendAsync(request, handler);
    }

    private <T> HttpCall<T> prepare(HttpRequest request, BodyHandler<T> handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        // A request that already carries the nested-retry header was forwarded from a caller that retries it.
        boolean mayRetry = settings.rules().mayRetry(request) && settings.maxAttempts() > 1
                && request.headers().firstValue(NestedRetries.HEADER).isEmpty();
        if (mayRetry && !ReplayableBody.isReplayable(request)) {
            // Refuse before the first attempt: a retry would otherwise send an empty or partial body.
            throw new IllegalArgumentException("the body of " + request.method() + " " + SafeUrls.redact(request.uri())
                    + " cannot be sent twice (" + request.bodyPublisher().map(p -> p.getClass().getName()).orElse("?")
                    + " is one-shot), but the request may be retried; build it from bytes, a string or a file,"
                    + " wrap it in ReplayableBody.of(() -> freshPublisher), or send it with a client that does not retry");
        }
        HostLanes.Lane lane = lanes.laneFor(request.uri());
        return new HttpCall<>(delegate(), settings, request, handler, mayRetry ? lane.retrying() : lane.notRetrying(), lane.breaker(),
                lane.limit(), mayRetry);
    }

    @Override
    public String toString() {
        return "ResilientHttpClient[" + name() + ", " + settings.maxAttempts() + " attempts, attempt timeout "
                + (settings.attemptTimeout() == null ? "none" : Durations.describe(settings.attemptTimeout())) + ", max duration "
                + (settings.maxDuration() == null ? "none" : Durations.describe(settings.maxDuration())) + ", " + settings.rules() + "]";
    }

    /**
     * Builds a {@link ResilientHttpClient}; {@link #build()} validates and names the field that is wrong.
     * Defaults follow seed 004: 4 attempts (1 + 3 retries), 500 ms ×2 backoff capped at 30 s with ±20 %
     * jitter, {@code Retry-After} honoured up to 60 s, a 10 s attempt timeout and a 2 min max duration
     * for the whole call (so a stalled connection cannot hang a caller).
     */
    public static final class Builder {

        public static final int DEFAULT_MAX_ATTEMPTS = 4;
        public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(Duration.ofMillis(500), 2.0)
                .withCap(Duration.ofSeconds(30)).withJitter(Jitter.proportional(0.2));
        public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);
        static final long DEFAULT_ATTEMPT_TIMEOUT_SECONDS = 10;
        static final long DEFAULT_MAX_DURATION_SECONDS = 120;
        /** Each attempt's default timeout: a stalled connection costs at most this per attempt. */
        public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(DEFAULT_ATTEMPT_TIMEOUT_SECONDS);
        /** The whole call's default limit: no call, retries and waits included, runs longer. */
        public static final Duration DEFAULT_MAX_DURATION = Duration.ofSeconds(DEFAULT_MAX_DURATION_SECONDS);
        /** Bytes of a retryable response's body kept for the caller (the rest is read and dropped). */
        public static final int DEFAULT_MAX_BUFFERED_ERROR_BODY = 64 * 1024;

        private final HttpClient delegate;
        private String name = "http";
        private HttpRetryRules rules = HttpRetryRules.defaults();
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Backoff backoff = DEFAULT_BACKOFF;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
        private boolean clampRetryAfter;
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private Duration maxDuration = DEFAULT_MAX_DURATION;
        private int maxBufferedErrorBody = DEFAULT_MAX_BUFFERED_ERROR_BODY;
        private Clock clock = Clock.system();
        private Scheduler scheduler = Scheduler.system();
        private RandomGenerator random;
        private Function<String, ? extends RetryGate> retryGatePerHost;
        private int gateSettings;
        private Function<String, CircuitBreaker> breakerPerHost;
        private int breakerSettings;
        private RetryBudgetPolicy budgetPolicy;
        private CircuitBreakerPolicy breakerPolicy;
        private Function<String, ConcurrencyLimit> limitPerHost;
        private ConcurrencyLimitPolicy limitPolicy;
        private int limitSettings;
        private final List<RetryListener> listeners = new ArrayList<>();
        private boolean built;

        private Builder(HttpClient delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
            if (delegate instanceof ResilientHttpClient) {
                throw new IllegalArgumentException("delegate is already a ResilientHttpClient; wrapping it again would multiply"
                        + " the attempts (4 × 4 = 16 requests per call)");
            }
        }

        /** Names the client in events, logs and errors; each host's policy is {@code name@host:port}. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Which statuses, failures and methods are retried. */
        public Builder rules(HttpRetryRules rules) {
            this.rules = rules;
            return this;
        }

        /** Attempts in all, the first included (4 = one try and 3 retries); 1 disables retries. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        /**
         * The longest {@code Retry-After} the client will wait (default 60 s). Within it, a {@code Retry-After}
         * is a floor: the next attempt never starts earlier. A longer one ends the call at once with an
         * {@link HttpRetriesExhaustedException} naming the hint ({@code HINT_EXCEEDS_MAX_RETRY_AFTER}), unless
         * {@link #clampRetryAfter()} opts into retrying after the cap.
         */
        public Builder maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
            return this;
        }

        /**
         * Opt-in: a {@code Retry-After} beyond {@link #maxRetryAfter} is cut to it and the retry is sent after
         * the cap, earlier than the server asked. This breaks the promise that a retry never starts before
         * its {@code Retry-After}; use it only for servers known to tolerate that.
         */
        public Builder clampRetryAfter() {
            this.clampRetryAfter = true;
            return this;
        }

        /**
         * Each attempt's timeout (default {@value #DEFAULT_ATTEMPT_TIMEOUT_SECONDS} s; the JDK's request
         * timeout: connecting and waiting for the response headers); a shorter timeout set on the request
         * itself wins. Null for none: then only {@link #maxDuration} bounds a stalled connection.
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        /**
         * The whole call's time limit, from the first attempt's start (default {@value #DEFAULT_MAX_DURATION_SECONDS} s):
         * no attempt starts after it, a delay (or a {@code Retry-After}) that would end past it is not waited,
         * and each attempt's timeout is cut to the time left. Null for none (a stalled server can then hold a
         * call as long as its attempts allow).
         */
        public Builder maxDuration(Duration maxDuration) {
            this.maxDuration = maxDuration;
            return this;
        }

        /** How many bytes of a retryable response's body are kept for the caller (default 64 KiB). */
        public Builder maxBufferedErrorBody(int bytes) {
            this.maxBufferedErrorBody = bytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Clock and scheduler in one: waits between attempts pass instantly, the HTTP stays real. */
        public Builder time(VirtualTime time) {
            return clock(time).scheduler(time);
        }

        /** The source of jitter (default {@link java.util.concurrent.ThreadLocalRandom}). */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * A retry gate (a retry budget) per host, made on first use of each {@code host:port}; asked before
         * every retry to that host. When it refuses, the caller gets the original response or exception.
         */
        public Builder retryGatePerHost(Function<String, ? extends RetryGate> retryGatePerHost) {
            this.retryGatePerHost = Objects.requireNonNull(retryGatePerHost, "retryGatePerHost");
            this.budgetPolicy = null;
            gateSettings++;
            return this;
        }

        /**
         * A {@link RetryBudget} per host, each with this policy (named {@code clientName@host:port}) on the
         * client's clock: retries to one host may add at most the policy's share of the calls to it. When the
         * budget is spent, the caller gets the original response or exception, as if no retry were configured.
         */
        public Builder retryBudgetPerHost(RetryBudgetPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            this.retryGatePerHost = null;
            this.budgetPolicy = policy;
            gateSettings++;
            return this;
        }

        /**
         * A {@link CircuitBreaker} per host, each with this policy (named {@code clientName@host:port}) on the
         * client's clock. Each attempt asks the host's breaker first; an open breaker's remaining time is a
         * floor for the next retry, exactly like a {@code Retry-After}. The breaker counts network failures,
         * 5xx and the retried statuses (408, 429 by default) as failures; other 4xx are the caller's mistakes
         * and count as successes. The policy's own classifier, if any, is not used.
         */
        public Builder circuitBreakerPerHost(CircuitBreakerPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            this.breakerPerHost = null;
            this.breakerPolicy = policy;
            breakerSettings++;
            return this;
        }

        /** As {@link #circuitBreakerPerHost(CircuitBreakerPolicy)}, with breakers you build (say, with a shared store). */
        public Builder circuitBreakerPerHost(Function<String, CircuitBreaker> breakerPerHost) {
            this.breakerPerHost = Objects.requireNonNull(breakerPerHost, "breakerPerHost");
            this.breakerPolicy = null;
            breakerSettings++;
            return this;
        }

        /**
         * A {@link ConcurrencyLimit} per host, each with this policy (named {@code clientName@host:port}) on the
         * client's clock: at most its limit of attempts to one host run at once (sync callers wait up to its max
         * wait, async ones never wait). An adaptive policy learns each host's capacity from latency and from its
         * 429s, 503s and network failures. A rejection is retried no earlier than the limit's hint.
         */
        public Builder concurrencyLimitPerHost(ConcurrencyLimitPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            this.limitPerHost = null;
            this.limitPolicy = policy;
            limitSettings++;
            return this;
        }

        /** As {@link #concurrencyLimitPerHost(ConcurrencyLimitPolicy)}, with limits you build (say, one shared by two clients). */
        public Builder concurrencyLimitPerHost(Function<String, ConcurrencyLimit> limitPerHost) {
            this.limitPerHost = Objects.requireNonNull(limitPerHost, "limitPerHost");
            this.limitPolicy = null;
            limitSettings++;
            return this;
        }

        /** Receives every retry event of every host (attempt failed, retry scheduled, gave up, ...). */
        public Builder listener(RetryListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the field, its value and the rule it breaks
         */
        public ResilientHttpClient build() {
            if (built) {
                throw new IllegalStateException("this builder already built client '" + name + "'; start a new one");
            }
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank in ResilientHttpClient");
            }
            String where = " in ResilientHttpClient '" + name + "'";
            Objects.requireNonNull(rules, "rules");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1 (was " + maxAttempts + ")" + where);
            }
            if (maxRetryAfter.isNegative()) {
                throw new IllegalArgumentException("maxRetryAfter must not be negative (was " + maxRetryAfter + ")" + where);
            }
            if (attemptTimeout != null && (attemptTimeout.isNegative() || attemptTimeout.isZero())) {
                throw new IllegalArgumentException("attemptTimeout must be positive (was " + attemptTimeout + ")" + where);
            }
            if (maxDuration != null && (maxDuration.isNegative() || maxDuration.isZero())) {
                throw new IllegalArgumentException("maxDuration must be positive (was " + maxDuration + ")" + where);
            }
            if (gateSettings > 1) {
                throw new IllegalStateException("retryGatePerHost/retryBudgetPerHost set " + gateSettings + " times" + where
                        + "; set it once so that no setting silently replaces another");
            }
            if (breakerSettings > 1) {
                throw new IllegalStateException("circuitBreakerPerHost set " + breakerSettings + " times" + where
                        + "; set it once so that no setting silently replaces another");
            }
            if (limitSettings > 1) {
                throw new IllegalStateException("concurrencyLimitPerHost set " + limitSettings + " times" + where
                        + "; set it once so that no setting silently replaces another");
            }
            if (maxBufferedErrorBody < 0) {
                throw new IllegalArgumentException("maxBufferedErrorBody must not be negative (was " + maxBufferedErrorBody + ")" + where);
            }
            built = true;
            // Captured as final locals, so a builder changed after build() cannot reach into the client.
            String clientName = name;
            Clock clientClock = clock;
            Function<String, ? extends RetryGate> gates = retryGatePerHost;
            if (budgetPolicy != null) {
                RetryBudgetPolicy budget = budgetPolicy;
                gates = host -> RetryBudget.of(budget.toBuilder().name(clientName + "@" + host).build(), clientClock);
            }
            Function<String, CircuitBreaker> breakers = breakerPerHost;
            if (breakerPolicy != null) {
                CircuitBreakerPolicy breaker = breakerPolicy;
                breakers = host -> CircuitBreaker.builder(breaker.toBuilder().name(clientName + "@" + host).build())
                        .clock(clientClock).build();
            }
            Function<String, ConcurrencyLimit> limits = limitPerHost;
            if (limitPolicy != null) {
                ConcurrencyLimitPolicy limit = limitPolicy;
                limits = host -> ConcurrencyLimit.of(limit.withName(clientName + "@" + host), clientClock);
            }
            return new ResilientHttpClient(new ClientSettings(delegate, name, rules, maxAttempts, backoff, maxRetryAfter, clampRetryAfter,
                    attemptTimeout, maxDuration, maxBufferedErrorBody, clock, scheduler, random, gates, breakers, limits,
                    List.copyOf(listeners), new AtomicBoolean()));
        }
    }
}
