package dev.endure.http;

import dev.endure.CancellingFuture;
import dev.endure.Classifier;
import dev.endure.Failures;
import dev.endure.breaker.BreakerGuard;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.retry.HiddenAttempts;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.RetryInterruptedException;
import dev.endure.retry.NestedRetries;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryContext;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** One call's request, handler and retrier, and how each attempt is made from them. */
final class HttpCall<T> {
    private final HttpClient delegate;
    private final ClientSettings settings;
    final HttpRequest request;
    final BodyHandler<T> handler;
    final Retrier<HttpResponse<?>> retrier;
    final CircuitBreaker breaker;
    final ConcurrencyLimit limit;
    private final Classifier<HttpResponse<?>> breakerOutcomes;
    final BodyHandler<Object> attemptHandler;
    final long startNanos;
    /** Some layer retries this call (this client, or an outer retrier), and the request does not name one already. */
    private final boolean sendsRetryHeader;

    @SuppressWarnings("unchecked")
    HttpCall(HttpClient delegate, ClientSettings settings, HttpRequest request, BodyHandler<T> handler,
            Retrier<HttpResponse<?>> retrier, CircuitBreaker breaker, ConcurrencyLimit limit, boolean mayRetry) {
        this.delegate = delegate;
        this.settings = settings;
        this.request = request;
        this.handler = handler;
        this.retrier = retrier;
        this.breaker = breaker;
        this.limit = limit;
        this.breakerOutcomes = HttpClassifier.forBreaker(settings.rules());
        this.startNanos = retrier.clock().nanoTime();
        this.sendsRetryHeader = (mayRetry || NestedRetries.insideRetry()) && request.headers().firstValue(NestedRetries.HEADER).isEmpty();
        HttpRetryRules rules = settings.rules();
        int bufferLimit = settings.maxBufferedErrorBody();
        this.attemptHandler = mayRetry
                ? info -> rules.isRetryableStatus(info.statusCode())
                        ? BufferedBody.subscriber(bufferLimit)
                        : (BodySubscriber<Object>) (BodySubscriber<?>) handler.apply(info)
                : (BodyHandler<Object>) (BodyHandler<?>) handler;
    }

    /**
     * One attempt on the calling thread within the host's concurrency limit (if any): as in core's pipeline, the
     * limit is outside the breaker, so a full limit never counts against the host, and a retry's backoff holds no
     * slot. A rejection carries the adaptive limit's latency as a hint and is retried like a {@code Retry-After}.
     */
    HttpResponse<?> attemptSync() throws IOException, InterruptedException {
        if (limit == null) {
            return guardedSync();
        }
        long permit = limit.acquire();
        HttpResponse<?> response;
        try {
            response = guardedSync();
        } catch (IOException | RuntimeException | Error failure) {
            limit.release(permit, HttpClassifier.forLimit(settings.rules(), null, failure));
            throw failure;
        } catch (InterruptedException interrupted) {
            limit.release(permit, dev.endure.Verdict.fail());
            throw interrupted;
        }
        limit.release(permit, HttpClassifier.forLimit(settings.rules(), response, null));
        return response;
    }

    /** The whole call, synchronously: retried attempts, then the caller's outcome. */
    HttpResponse<T> send() throws IOException, InterruptedException {
        HttpResponse<?> response;
        try {
            response = retrier.execute(context -> attemptSync());
        } catch (RetriesExhaustedException | CallNotPermittedException ended) {
            throw (IOException) outcome(ended);
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
        return finishSync(response);
    }

    /** The whole call without blocking; cancelling the result stops the pending retry and the exchange in flight. */
    CompletableFuture<HttpResponse<T>> sendAsync() {
        // The JDK's own future is handed over (not a thenApply copy) so that cancelling reaches the exchange.
        CompletableFuture<HttpResponse<?>> run = retrier.executeAsync(context -> attemptAsync());
        // Cancelling stops the pending retry and, best effort, the exchange in flight.
        CompletableFuture<HttpResponse<T>> result = CancellingFuture.cancelling(run);
        run.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = Failures.unwrap(failure);
                result.completeExceptionally(outcome(cause));
                return;
            }
            finishAsync(response).whenComplete((finished, replayFailure) -> {
                if (replayFailure != null) {
                    result.completeExceptionally(Failures.unwrap(replayFailure));
                } else {
                    result.complete(finished);
                }
            });
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    static CompletableFuture<HttpResponse<?>> widen(CompletableFuture<? extends HttpResponse<?>> future) {
        return (CompletableFuture<HttpResponse<?>>) future;
    }

    /** One attempt on the calling thread: through the host's breaker (if any, by {@link BreakerGuard}'s rules), then the exchange. */
    private HttpResponse<?> guardedSync() throws IOException, InterruptedException {
        try {
            if (breaker == null) {
                return delegate.send(forAttempt(), attemptHandler);
            }
            return BreakerGuard.<HttpResponse<?>, Exception>call(breaker, breakerOutcomes, () -> delegate.send(forAttempt(), attemptHandler));
        } catch (ConnectException refused) {
            throw carrying(named(refused));
        } catch (IOException failure) {
            throw carrying(failure);
        } catch (InterruptedException | RuntimeException | Error expected) {
            throw expected;
        } catch (Exception unexpected) {
            throw new IOException(unexpected);
        }
    }

    /**
     * One attempt without blocking. Cancelling the returned future reaches the JDK's exchange in flight
     * (and releases the breaker's permit).
     */
    CompletableFuture<HttpResponse<?>> attemptAsync() {
        if (limit == null) {
            return guardedAsync();
        }
        long permit;
        try {
            permit = limit.acquireNow(); // an asynchronous caller never blocks for a slot
        } catch (ConcurrencyLimitExceededException full) {
            return CompletableFuture.failedFuture(full);
        }
        CompletableFuture<HttpResponse<?>> attempt;
        try {
            attempt = guardedAsync();
        } catch (RuntimeException | Error failure) {
            limit.release(permit, HttpClassifier.forLimit(settings.rules(), null, failure));
            throw failure;
        }
        attempt.whenComplete((response, failure) -> {
            Throwable cause = Failures.unwrap(failure);
            limit.release(permit, cause instanceof java.util.concurrent.CancellationException ? dev.endure.Verdict.fail()
                    : HttpClassifier.forLimit(settings.rules(), cause == null ? response : null, cause));
        });
        return attempt;
    }

    private CompletableFuture<HttpResponse<?>> guardedAsync() {
        CompletableFuture<HttpResponse<?>> exchange = breaker == null
                ? widen(delegate.sendAsync(forAttempt(), attemptHandler))
                : BreakerGuard.callAsync(breaker, breakerOutcomes, () -> widen(delegate.sendAsync(forAttempt(), attemptHandler)));
        CancellingFuture<HttpResponse<?>> attempt = CancellingFuture.cancelling(exchange);
        exchange.whenComplete((response, failure) -> {
            Throwable cause = Failures.unwrap(failure);
            if (cause instanceof ConnectException refused) {
                attempt.completeExceptionally(carrying(named(refused)));
            } else if (cause instanceof IOException io) {
                attempt.completeExceptionally(carrying(io));
            } else if (cause != null) {
                attempt.completeExceptionally(cause);
            } else {
                attempt.complete(response);
            }
        });
        return attempt;
    }

    /**
     * The failure, marked with its request so that events and log lines can name the URL, and with the
     * request the JDK sent again on its own, if it did: the JDK's client silently repeats a GET or HEAD once
     * when the connection closes before any response byte (and no setting of the client stops it), so
     * that failure stands for two requests on the wire, and the retry loop counts both.
     */
    private <X extends IOException> X carrying(X failure) {
        if (NetworkFailures.isResentByTheJdk(request.method(), failure)) {
            HiddenAttempts.attach(failure, 1, "the JDK HttpClient resent " + request.method()
                    + " once on its own after the connection closed before any response");
        }
        return FailedRequest.attach(failure, request.method(), SafeUrls.redact(request.uri()));
    }

    /** The JDK's refusal carries no message; say which request could not connect (the cause keeps the original). */
    private ConnectException named(ConnectException refused) {
        if (refused.getMessage() != null && !refused.getMessage().isBlank()) {
            return refused;
        }
        ConnectException named = new ConnectException("could not connect to " + SafeUrls.hostKey(request.uri()) + " for "
                + request.method() + " " + SafeUrls.redact(request.uri()) + " (connection refused; no byte of the request was sent)");
        named.initCause(refused);
        return named;
    }

    /**
     * The request of this attempt: with its timeout, and with the {@value NestedRetries#HEADER} header when a
     * layer retries it (this client's retrier or an outer one, which mark the thread while the attempt runs),
     * so that an Endure service on the other side leaves the retrying to this side.
     */
    HttpRequest forAttempt() {
        HttpRequest timed = withAttemptTimeout();
        RetryContext retrying = sendsRetryHeader ? NestedRetries.current().orElse(null) : null;
        if (retrying == null) {
            return timed;
        }
        return HttpRequest.newBuilder(timed, (header, value) -> true)
                .setHeader(NestedRetries.HEADER, Integer.toString(retrying.attempt())).build();
    }

    /** The request with this attempt's timeout: the smallest of the attempt timeout, the time left and its own. */
    private HttpRequest withAttemptTimeout() {
        Duration timeout = settings.attemptTimeout();
        Duration maxDuration = settings.maxDuration();
        if (maxDuration != null) {
            Duration left = maxDuration.minusNanos(retrier.clock().nanoTime() - startNanos);
            // The core starts no attempt past the deadline; the millisecond floor only keeps the JDK happy.
            left = left.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : left;
            timeout = timeout == null || left.compareTo(timeout) < 0 ? left : timeout;
        }
        if (timeout == null) {
            return request;
        }
        Optional<Duration> own = request.timeout();
        if (own.isPresent() && own.get().compareTo(timeout) <= 0) {
            return request;
        }
        return HttpRequest.newBuilder(request, (header, value) -> true).timeout(timeout).build();
    }

    @SuppressWarnings("unchecked")
    HttpResponse<T> finishSync(HttpResponse<?> response) throws IOException, InterruptedException {
        if (!(response.body() instanceof BufferedBody buffered)) {
            return (HttpResponse<T>) response;
        }
        try {
            T body = buffered.replayInto(BufferedBody.infoOf(response), handler).toCompletableFuture().get();
            return BufferedBody.withBody(response, body);
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            throw cause instanceof IOException io ? io : new IOException("the body handler failed on a replayed body", cause);
        }
    }

    @SuppressWarnings("unchecked")
    CompletableFuture<HttpResponse<T>> finishAsync(HttpResponse<?> response) {
        if (!(response.body() instanceof BufferedBody buffered)) {
            return CompletableFuture.completedFuture((HttpResponse<T>) response);
        }
        return buffered.replayInto(BufferedBody.infoOf(response), handler).toCompletableFuture()
                .thenApply(body -> BufferedBody.withBody(response, body));
    }

    /**
     * What the caller gets when the call ended in {@code terminal}: one {@link HttpBreakerOpenException}
     * whenever the host's breaker refused the last attempt (whatever the method), an
     * {@link HttpRetriesExhaustedException} when retries ran out, else the failure as it is.
     */
    Throwable outcome(Throwable terminal) {
        if (terminal instanceof CallNotPermittedException rejected) {
            return new HttpBreakerOpenException(request.method(), SafeUrls.redact(request.uri()), 0, rejected);
        }
        if (terminal instanceof RetriesExhaustedException exhausted) {
            if (exhausted.getCause() instanceof CallNotPermittedException rejected) {
                return new HttpBreakerOpenException(request.method(), SafeUrls.redact(request.uri()), exhausted.attempts() - 1, rejected);
            }
            return exhausted(exhausted);
        }
        return terminal;
    }

    HttpRetriesExhaustedException exhausted(RetriesExhaustedException exhausted) {
        HttpResponse<byte[]> last = exhausted.lastResult()
                .filter(HttpResponse.class::isInstance)
                .map(result -> {
                    HttpResponse<?> response = (HttpResponse<?>) result;
                    byte[] bytes = response.body() instanceof BufferedBody buffered ? buffered.bytes() : null;
                    return BufferedBody.withBody(response, bytes);
                })
                .orElse(null);
        String lastOutcome;
        if (last != null) {
            lastOutcome = "HTTP " + last.statusCode()
                    + last.headers().firstValue("Retry-After").map(value -> " (Retry-After: " + RetryAfter.quoted(value) + ")").orElse("");
        } else if (exhausted.getCause() instanceof IOException failure) {
            lastOutcome = NetworkFailures.describe(failure);
        } else if (exhausted.getCause() != null) {
            lastOutcome = String.valueOf(exhausted.getCause().getMessage());
        } else {
            lastOutcome = "unknown";
        }
        return new HttpRetriesExhaustedException(request.method(), SafeUrls.redact(request.uri()), exhausted, last, lastOutcome);
    }
}
