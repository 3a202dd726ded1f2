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

    /**
     * Lines to the System.Logger {@code dev.endure.http.retry}: retries at INFO, giving up at WARNING. Under
     * the JDK's unconfigured default logging each event stays one line ({@code <instant> <LEVEL> <line>}).
     */
    public static HttpRetryLogger toSystemLogger(String event) {
        OneLineLogging.applyIfDefault("dev.endure.http.retry");
        System.Logger logger = System.getLogger("dev.endure.http.retry");
        return new HttpRetryLogger(event, line -> logger.log(
                line.startsWith(event + "_retry ") || line.startsWith(event + "_recovered ") ? System.Logger.Level.INFO
                        : System.Logger.Level.WARNING, line));
    }

    @Override
    public void onEvent(RetryEvent retryEvent) {
        // Each decision event carries the outcome that led to it, so no state is kept between events.
        if (retryEvent instanceof RetryEvent.RetryScheduled scheduled) {
            String[] last = describe(scheduled.result(), scheduled.failure());
            sink.accept(event + "_retry policy=" + scheduled.policyName() + " attempt=" + (scheduled.nextAttempt() - 1)
                    + last[0] + " delay=" + seconds(scheduled.delay()) + reason(scheduled.reason(), last[0]) + last[1]);
        } else if (retryEvent instanceof RetryEvent.Exhausted exhausted) {
            String[] last = describe(exhausted.lastResult(), exhausted.lastFailure());
            String name = exhausted.reason() == GiveUpReason.RETRY_BUDGET ? "_retry_refused" : "_gave_up";
            sink.accept(event + name + " policy=" + exhausted.policyName() + " attempts=" + exhausted.attempts()
                    + " elapsed=" + seconds(exhausted.elapsed()) + " why=" + exhausted.reason().name().toLowerCase(Locale.ROOT)
                    + last[0] + last[1]);
        } else if (retryEvent instanceof RetryEvent.FailedPermanently permanent) {
            String[] last = describe(permanent.result(), permanent.failure());
            sink.accept(event + "_failed policy=" + permanent.policyName() + " attempts=" + permanent.attempts()
                    + last[0] + reason(permanent.verdict().reason().orElse(permanent.verdict().kind().name()), last[0]) + last[1]);
        } else if (retryEvent instanceof RetryEvent.Succeeded succeeded && succeeded.attempts() > 1) {
            sink.accept(event + "_recovered policy=" + succeeded.policyName() + " attempts=" + succeeded.attempts()
                    + " elapsed=" + seconds(succeeded.elapsed()));
        } else if (retryEvent instanceof RetryEvent.Aborted aborted) {
            sink.accept(event + "_aborted policy=" + aborted.policyName() + " attempts=" + aborted.attempts()
                    + " why=" + aborted.reason().name().toLowerCase(Locale.ROOT));
        }
    }

    /** {" status=503", " url=..."} or {" error=\"connection refused (...)\"", " url=..."}. */
    private static String[] describe(Object result, Throwable failure) {
        if (result instanceof HttpResponse<?> response) {
            return new String[] {" status=" + response.statusCode(), " url=" + SafeUrls.redact(response.uri())};
        }
        if (failure == null) {
            return new String[] {"", ""};
        }
        return new String[] {" error=" + quote(NetworkFailures.describe(failure)), FailedRequest.of(failure).map(url -> " url=" + url).orElse("")};
    }

    /** {@code reason="..."}, left out when it only repeats the {@code error=} text. */
    private static String reason(String reason, String outcome) {
        String quoted = quote(reason);
        return outcome.equals(" error=" + quoted) ? "" : " reason=" + quoted;
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
