package dev.endure.http;

import dev.endure.retry.GiveUpReason;
import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryListener;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Writes one structured line ({@code key=value}, logfmt) per retry decision, in the shape of seed 004's
 * {@code billing_service_retry} log: which attempt failed, with what status or error, and how long the
 * client waits before the next one.
 *
 * <pre>
 * billing_service_retry policy=billing@127.0.0.1:5002 attempt=1 status=500 delay=0.5 reason="HTTP 500" url=http://127.0.0.1:5002/provider
 * billing_service_recovered policy=billing@127.0.0.1:5002 attempts=3 elapsed=1.5
 * billing_service_gave_up policy=billing@127.0.0.1:5002 attempts=4 elapsed=3.5 why=max_attempts status=500
 * </pre>
 *
 * Lines go to a {@link System.Logger} ({@link #toSystemLogger}) or to any sink ({@link #to}); a full
 * SLF4J/Micrometer listener lives in endure-observe and is fed by the same events.
 */
public final class HttpRetryLogger implements RetryListener {

    /**
     * What the last failed attempt on this thread returned. The core emits {@code AttemptFailed} and the
     * decision that follows it ({@code RetryScheduled}, {@code Exhausted}, ...) back to back on one thread,
     * in both the sync and async loops, so the status can be carried from one event to the next here
     * without any per-call state.
     */
    private static final ThreadLocal<String[]> LAST_ATTEMPT = new ThreadLocal<>();

    private final String event;
    private final Consumer<String> sink;

    private HttpRetryLogger(String event, Consumer<String> sink) {
        this.event = Objects.requireNonNull(event, "event");
        this.sink = Objects.requireNonNull(sink, "sink");
        if (!event.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("event prefix must be letters, digits, '_', '.' or '-' (was '" + event + "')");
        }
    }

    /** Lines named {@code <event>_retry}, {@code <event>_gave_up}, ... to {@code sink}. */
    public static HttpRetryLogger to(String event, Consumer<String> sink) {
        return new HttpRetryLogger(event, sink);
    }

    /** Lines to the System.Logger {@code dev.endure.http.retry}: retries at INFO, giving up at WARNING. */
    public static HttpRetryLogger toSystemLogger(String event) {
        System.Logger logger = System.getLogger("dev.endure.http.retry");
        return new HttpRetryLogger(event, line -> logger.log(
                line.startsWith(event + "_retry ") || line.startsWith(event + "_recovered ") ? System.Logger.Level.INFO
                        : System.Logger.Level.WARNING, line));
    }

    @Override
    public void onEvent(RetryEvent retryEvent) {
        if (retryEvent instanceof RetryEvent.AttemptFailed failed) {
            LAST_ATTEMPT.set(describe(failed));
        } else if (retryEvent instanceof RetryEvent.RetryScheduled scheduled) {
            String[] last = takeLast();
            sink.accept(event + "_retry policy=" + scheduled.policyName() + " attempt=" + (scheduled.nextAttempt() - 1)
                    + last[0] + " delay=" + seconds(scheduled.delay()) + " reason=" + quote(scheduled.reason()) + last[1]);
        } else if (retryEvent instanceof RetryEvent.Exhausted exhausted) {
            String[] last = takeLast();
            String name = exhausted.reason() == GiveUpReason.RETRY_BUDGET ? "_retry_refused" : "_gave_up";
            sink.accept(event + name + " policy=" + exhausted.policyName() + " attempts=" + exhausted.attempts()
                    + " elapsed=" + seconds(exhausted.elapsed()) + " why=" + exhausted.reason().name().toLowerCase(Locale.ROOT)
                    + last[0] + last[1]);
        } else if (retryEvent instanceof RetryEvent.FailedPermanently permanent) {
            String[] last = takeLast();
            sink.accept(event + "_failed policy=" + permanent.policyName() + " attempts=" + permanent.attempts()
                    + last[0] + " reason=" + quote(permanent.verdict().reason().orElse(permanent.verdict().kind().name())) + last[1]);
        } else if (retryEvent instanceof RetryEvent.Succeeded succeeded && succeeded.attempts() > 1) {
            LAST_ATTEMPT.remove();
            sink.accept(event + "_recovered policy=" + succeeded.policyName() + " attempts=" + succeeded.attempts()
                    + " elapsed=" + seconds(succeeded.elapsed()));
        } else if (retryEvent instanceof RetryEvent.Aborted aborted) {
            LAST_ATTEMPT.remove();
            sink.accept(event + "_aborted policy=" + aborted.policyName() + " attempts=" + aborted.attempts()
                    + " why=" + aborted.reason().name().toLowerCase(Locale.ROOT));
        }
    }

    /** {" status=503", " url=..."} or {" error=\"connection refused (...)\"", ""}. */
    private static String[] describe(RetryEvent.AttemptFailed failed) {
        if (failed.result() instanceof HttpResponse<?> response) {
            return new String[] {" status=" + response.statusCode(), " url=" + SafeUrls.redact(response.uri())};
        }
        return new String[] {failed.failure() == null ? "" : " error=" + quote(NetworkFailures.describe(failed.failure())), ""};
    }

    private static String[] takeLast() {
        String[] last = LAST_ATTEMPT.get();
        LAST_ATTEMPT.remove();
        return last != null ? last : new String[] {"", ""};
    }

    /** Seconds as a plain decimal, like the seed's {@code delay=0.5}. */
    static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros();
        return seconds.scale() < 0 ? seconds.setScale(0).toPlainString() : seconds.toPlainString();
    }

    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + '"';
    }
}
