package dev.endure.http;

import dev.endure.CancellingFuture;
import dev.endure.Failures;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.retry.NestedRetries;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryInterruptedException;
import dev.endure.retry.RetryStats;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that retries: every {@link #send} and {@link #sendAsync} runs under the
 * endure-core {@link Retrier}, with HTTP's own rules ({@link HttpRetryRules}): retryable statuses and
 * network failures, {@code Retry-After} as a floor, an idempotency guard, replayable bodies only, a
 * per-attempt timeout and an overall deadline, and one lane per host with its own retry budget (or
 * any retry gate), circuit breaker and stats, when configured. Drop-in: it is an {@code HttpClient}, so code that
 * takes one needs no change.
 *
 * <pre>{@code
 * HttpClient billing = ResilientHttpClient.builder(HttpClient.newHttpClient())
 *     .name("billing")
 *     .maxAttempts(4)                                            // 1 try + 3 retries (seed 004)
 *     .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0).withJitter(Jitter.proportional(0.2)))
 *     .attemptTimeout(Duration.ofSeconds(2))
 *     .deadline(Duration.ofSeconds(10))
 *     .build();
 * HttpResponse<String> created = billing.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p>Outcomes: a success or a non-retryable status (say 404) is returned as the plain client would
 * return it; a non-retryable failure is thrown unchanged; when retries run out the caller gets an
 * {@link HttpRetriesExhaustedException} (an {@code IOException}); when a retry gate refuses a retry the
 * original response or exception reaches the caller unchanged.
 */
public final class ResilientHttpClient extends HttpClient {

    private static final System.Logger LOG = System.getLogger(ResilientHttpClient.class.getName());

    private final HttpClient delegate;
    private final ClientSettings settings;
    private final HostLanes lanes;

    ResilientHttpClient(ClientSettings settings) {
        this.delegate = settings.delegate();
        this.settings = settings;
        this.lanes = new HostLanes(settings);
    }

    /** Starts a client that sends through {@code delegate} (which keeps its own connection pool and settings). */
    public static ResilientHttpClientBuilder builder(HttpClient delegate) {
        return new ResilientHttpClientBuilder(delegate);
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
        HttpCall<T> call = prepare(request, handler);
        HttpResponse<?> response;
        try {
            response = call.retrier.execute(context -> call.attemptSync());
        } catch (RetriesExhaustedException | CallNotPermittedException ended) {
            throw (IOException) call.outcome(ended);
        } catch (RetryInterruptedException interrupted) {
            // The core restored the interrupt flag; throwing InterruptedException hands the interrupt
            // on instead, so the flag is cleared as Thread.sleep would clear it.
            Thread.interrupted();
            InterruptedException thrown = new InterruptedException(interrupted.getMessage());
            thrown.initCause(interrupted);
            throw thrown;
        } catch (IOException | InterruptedException | RuntimeException passedThrough) {
            throw passedThrough;
        } catch (Exception unexpected) {
            throw new IOException(unexpected);
        }
        return call.finishSync(response);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
        HttpCall<T> call = prepare(request, handler);
        // The JDK's own future is handed over (not a thenApply copy) so that cancelling reaches the exchange.
        CompletableFuture<HttpResponse<?>> run = call.retrier.executeAsync(context -> call.attemptAsync());
        // Cancelling stops the pending retry and, best effort, the exchange in flight.
        CompletableFuture<HttpResponse<T>> result = CancellingFuture.cancelling(run);
        run.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = Failures.unwrap(failure);
                result.completeExceptionally(call.outcome(cause));
                return;
            }
            call.finishAsync(response).whenComplete((finished, replayFailure) -> {
                if (replayFailure != null) {
                    result.completeExceptionally(Failures.unwrap(replayFailure));
                } else {
                    result.complete(finished);
                }
            });
        });
        return result;
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
        return new HttpCall<>(delegate, settings, request, handler, mayRetry ? lane.retrying() : lane.notRetrying(), lane.breaker(),
                lane.limit(), mayRetry);
    }

    @SuppressWarnings("unchecked")
    static CompletableFuture<HttpResponse<?>> widen(CompletableFuture<? extends HttpResponse<?>> future) {
        return (CompletableFuture<HttpResponse<?>>) future;
    }

    /** Called by the classifier when a response carried a Retry-After it could not use. */
    static void logUnusableRetryAfter(ClientSettings settings, HttpResponse<?> response, RetryAfter value) {
        // Once at WARNING per client, so a misbehaving server cannot flood the log; DEBUG afterwards.
        boolean first = settings.claimRetryAfterWarning();
        System.Logger.Level level = first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "ignoring Retry-After " + RetryAfter.quoted(value.header()) + " on HTTP " + response.statusCode()
                    + " from " + response.request().method() + " " + SafeUrls.redact(response.uri()) + " (client '"
                    + settings.name() + "'): " + value.problem().orElse("unusable") + "; the backoff decides the delay"
                    + (first ? "; further unusable values are logged at DEBUG" : ""));
        }
    }

    // ---------------------------------------------------------------- HttpClient settings: the delegate's

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    /** WebSockets are not retried; this is the delegate's builder. */
    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public String toString() {
        return "ResilientHttpClient[" + name() + ", " + settings.maxAttempts() + " attempts, " + settings.rules() + "]";
    }
}
