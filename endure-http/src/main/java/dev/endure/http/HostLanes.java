package dev.endure.http;

import dev.endure.Classifier;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryGate;
import dev.endure.retry.RetryListener;
import dev.endure.retry.RetryPolicy;
import dev.endure.retry.RetryStats;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lane per {@code host:port}: the retriers (and, through them, the retry gate and the stats) that
 * all calls to that host share. Two retriers per lane, because whether a call may be repeated is known
 * per request (its method, its idempotency key) while a classifier sees only outcomes: calls that may
 * not be repeated run under the same rules with every retryable verdict turned permanent, so they still
 * produce events and count towards the host's stats and budget.
 */
final class HostLanes {

    /** A host's retriers, its circuit breaker and its concurrency limit (null when not configured). */
    record Lane(String host, Retrier<HttpResponse<?>> retrying, Retrier<HttpResponse<?>> notRetrying, CircuitBreaker breaker,
            ConcurrencyLimit limit) {}

    private final ClientSettings settings;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    HostLanes(ClientSettings settings) {
        this.settings = settings;
    }

    Lane laneFor(URI uri) {
        String host = SafeUrls.hostKey(uri);
        Lane lane = lanes.get(host);
        return lane != null ? lane : lanes.computeIfAbsent(host, this::newLane);
    }

    Optional<Lane> existing(URI uri) {
        return Optional.ofNullable(lanes.get(SafeUrls.hostKey(uri)));
    }

    Optional<RetryStats.Snapshot> stats(URI uri) {
        Lane lane = lanes.get(SafeUrls.hostKey(uri));
        if (lane == null) {
            return Optional.empty();
        }
        return Optional.of(sum(lane.retrying().stats().snapshot(), lane.notRetrying().stats().snapshot()));
    }

    private Lane newLane(String host) {
        RetryGate gate = RetryGate.unlimited();
        if (settings.retryGatePerHost() != null) {
            gate = settings.retryGatePerHost().apply(host);
            if (gate == null) {
                throw new NullPointerException("retryGatePerHost of client '" + settings.name() + "' returned null for " + host);
            }
        }
        Classifier<HttpResponse<?>> classifier = new HttpClassifier(settings.rules(), settings.clock(),
                (response, value) -> HttpClassifier.logUnusableRetryAfter(settings, response, value));
        String why = "not retried: the method is not idempotent and no " + settings.rules().idempotencyKeyHeader()
                + " header was sent (or opt in with retryNonIdempotentMethods())";
        RetryPolicy.Builder<HttpResponse<?>> builder = RetryPolicy.<HttpResponse<?>>builder()
                .name(settings.name() + "@" + host)
                .maxAttempts(settings.maxAttempts())
                .backoff(settings.backoff())
                .maxDuration(settings.maxDuration())
                .maxRetryAfter(settings.maxRetryAfter())
                .classifier(classifier);
        if (settings.clampRetryAfter()) {
            builder.clampRetryAfter();
        }
        RetryPolicy<HttpResponse<?>> policy = builder.build();
        RetryPolicy<HttpResponse<?>> guarded = policy.toBuilder()
                .classifier(HttpClassifier.noRetries(classifier, why))
                .build();
        CircuitBreaker breaker = null;
        if (settings.breakerPerHost() != null) {
            breaker = settings.breakerPerHost().apply(host);
            if (breaker == null) {
                throw new NullPointerException("circuitBreakerPerHost of client '" + settings.name() + "' returned null for " + host);
            }
        }
        ConcurrencyLimit limit = null;
        if (settings.limitPerHost() != null) {
            limit = settings.limitPerHost().apply(host);
            if (limit == null) {
                throw new NullPointerException("concurrencyLimitPerHost of client '" + settings.name() + "' returned null for " + host);
            }
        }
        return new Lane(host, retrier(policy, gate), retrier(guarded, gate), breaker, limit);
    }

    private Retrier<HttpResponse<?>> retrier(RetryPolicy<HttpResponse<?>> policy, RetryGate gate) {
        Retrier.Builder<HttpResponse<?>> builder = Retrier.builder(policy)
                .clock(settings.clock())
                .scheduler(settings.scheduler())
                .gate(gate)
                .exhaustOnGateRefusal(); // one outcome shape: a refused retry ends like running out of attempts
        if (settings.random() != null) {
            builder.random(settings.random());
        }
        for (RetryListener listener : settings.listeners()) {
            builder.listener(listener);
        }
        return builder.build();
    }

    private static RetryStats.Snapshot sum(RetryStats.Snapshot a, RetryStats.Snapshot b) {
        long[] histogram = new long[Math.max(a.attemptsPerCall().length, b.attemptsPerCall().length)];
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = (i < a.attemptsPerCall().length ? a.attemptsPerCall()[i] : 0)
                    + (i < b.attemptsPerCall().length ? b.attemptsPerCall()[i] : 0);
        }
        return new RetryStats.Snapshot(a.calls() + b.calls(), a.attempts() + b.attempts(), a.retries() + b.retries(),
                a.successes() + b.successes(), a.successesAfterRetry() + b.successesAfterRetry(),
                a.failedPermanently() + b.failedPermanently(), a.exhausted() + b.exhausted(),
                a.budgetRejected() + b.budgetRejected(), a.aborted() + b.aborted(),
                a.listenerFailures() + b.listenerFailures(), histogram);
    }
}
