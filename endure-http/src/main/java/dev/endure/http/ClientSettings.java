package dev.endure.http;

import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryGate;
import dev.endure.retry.RetryListener;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/** What a {@link ResilientHttpClient.Builder} validated: frozen, so a builder reused later cannot change a client. */
record ClientSettings(
        HttpClient delegate,
        String name,
        HttpRetryRules rules,
        int maxAttempts,
        Backoff backoff,
        Duration maxRetryAfter,
        boolean clampRetryAfter,
        Duration attemptTimeout,
        Duration maxDuration,
        int maxBufferedErrorBody,
        Clock clock,
        Scheduler scheduler,
        RandomGenerator random,
        Function<String, ? extends RetryGate> retryGatePerHost,
        Function<String, CircuitBreaker> breakerPerHost,
        Function<String, ConcurrencyLimit> limitPerHost,
        List<RetryListener> listeners,
        AtomicBoolean retryAfterWarned) {

    /** True exactly once per client: the first unusable Retry-After is a WARNING, later ones DEBUG. */
    boolean claimRetryAfterWarning() {
        return retryAfterWarned.compareAndSet(false, true);
    }
}
