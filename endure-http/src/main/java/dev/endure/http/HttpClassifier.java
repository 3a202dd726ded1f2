package dev.endure.http;

import dev.endure.Classifier;
import dev.endure.Clock;
import dev.endure.Durations;
import dev.endure.RetryAfterHint;
import dev.endure.Verdict;
import dev.endure.breaker.CallNotPermittedException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The {@link Classifier} behind {@link ResilientHttpClient}: statuses and failures by
 * {@link HttpRetryRules}, with every verdict carrying a reason such as {@code "HTTP 503"} so that events
 * and errors say what happened. Package-private: users configure the rules, not this class.
 */
final class HttpClassifier implements Classifier<HttpResponse<?>> {

    private final HttpRetryRules rules;
    private final Clock clock;
    private final BiConsumer<HttpResponse<?>, RetryAfter> unusableRetryAfter;

    HttpClassifier(HttpRetryRules rules, Clock clock, BiConsumer<HttpResponse<?>, RetryAfter> unusableRetryAfter) {
        this.rules = rules;
        this.clock = clock;
        this.unusableRetryAfter = unusableRetryAfter;
    }

    @Override
    public Verdict classify(HttpResponse<?> response, Throwable failure) {
        if (failure != null) {
            return classifyFailure(failure);
        }
        int status = response.statusCode();
        Duration hint = null;
        if (rules.honoursRetryAfter(status)) {
            Optional<String> header = response.headers().firstValue("Retry-After");
            if (header.isPresent()) {
                RetryAfter retryAfter = RetryAfter.parse(header.get(), clock.instant());
                hint = retryAfter.delay().orElse(null);
                if (hint == null && retryAfter.isUnusable()) {
                    unusableRetryAfter.accept(response, retryAfter);
                }
            }
        }
        return rules.statusTable().verdict(status, hint);
    }

    private Verdict classifyFailure(Throwable failure) {
        if (failure instanceof Error || failure instanceof InterruptedException) {
            return Verdict.fail();
        }
        CallNotPermittedException rejected = Classifier.causeOfType(failure, CallNotPermittedException.class);
        if (rejected != null) {
            return rejected.verdict(); // core's one rule for a breaker's refusal
        }
        // A failure that knows when to come back (an open breaker) is retried no earlier than that.
        RetryAfterHint hinted = Classifier.causeOfType(failure, RetryAfterHint.class);
        if (hinted != null) {
            Optional<Duration> hint = hinted.retryAfter();
            String reason = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
            return hint.isPresent() ? Verdict.retryAfter(hint.get(), reason) : Verdict.retry(reason);
        }
        if (rules.isRetryableFailure(failure)) {
            return Verdict.retry(NetworkFailures.describe(failure));
        }
        return Verdict.fail(NetworkFailures.describe(failure));
    }

    /**
     * What a host's circuit breaker counts as a failure: any exception, and the statuses the status table
     * counts (every 5xx by default). A 4xx, 408 and 429 included, says the request was wrong or too many,
     * not that the host is unwell.
     */
    static Classifier<HttpResponse<?>> forBreaker(HttpRetryRules rules) {
        return (response, failure) -> failure != null ? Verdict.fail(NetworkFailures.describe(failure))
                : rules.statusTable().breakerVerdict(response.statusCode());
    }

    /**
     * What a host's adaptive concurrency limit hears: a retryable outcome (429, 503, the other retried
     * statuses, a network failure) is overload; a success is a latency sample; anything else (another 4xx,
     * a failure the rules do not retry) says nothing about load.
     */
    static Verdict forLimit(HttpRetryRules rules, HttpResponse<?> response, Throwable failure) {
        if (failure != null) {
            return rules.isRetryableFailure(failure) ? Verdict.retry() : Verdict.fail();
        }
        int status = response.statusCode();
        if (rules.isRetryableStatus(status)) {
            return Verdict.retry();
        }
        return status >= 400 ? Verdict.fail() : Verdict.success();
    }

    /**
     * The same decisions for a request that must not be repeated: a retryable outcome becomes a
     * permanent one, so the caller gets exactly what the plain client would have given, unless the
     * failure proves that no byte of the request was sent ({@link NetworkFailures#isNothingSent}).
     */
    static Classifier<HttpResponse<?>> noRetries(Classifier<HttpResponse<?>> classifier, String why) {
        return (response, failure) -> {
            Verdict verdict = classifier.classify(response, failure);
            if (!verdict.isRetryable() || (failure != null && NetworkFailures.isNothingSent(failure))) {
                // A request that never left can be sent again whatever its method.
                return verdict;
            }
            return Verdict.fail(verdict.reason().orElse("retryable outcome") + "; " + why);
        };
    }

    private static final System.Logger LOG = System.getLogger(ResilientHttpClient.class.getName());

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
}
