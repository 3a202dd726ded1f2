package dev.endure.http;

import dev.endure.retry.GiveUpReason;
import dev.endure.retry.RetriesExhaustedException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Every allowed attempt of an HTTP call failed with a retryable outcome. An {@link IOException}, so
 * code written for {@link java.net.http.HttpClient#send} already handles it. The message names the
 * method, the URL (without user info, query string or fragment: they carry secrets), the attempts, the
 * elapsed time, why retrying stopped and the last status or error, e.g.
 * {@code GET http://127.0.0.1:5002/provider failed after 4 attempts in 3.5 s (max attempts 4 reached); last outcome: HTTP 500}.
 *
 * <p>The cause is the core's {@link RetriesExhaustedException}, whose own cause is the last failure
 * and whose suppressed exceptions are earlier ones.
 */
public final class HttpRetriesExhaustedException extends IOException {

    private final String method;
    private final String url;
    private final int attempts;
    private final Duration elapsed;
    private final GiveUpReason reason;
    private final transient HttpResponse<byte[]> lastResponse;

    HttpRetriesExhaustedException(String method, String url, RetriesExhaustedException exhausted,
            HttpResponse<byte[]> lastResponse, String lastOutcome) {
        super(message(method, url, exhausted, lastOutcome), exhausted);
        this.method = method;
        this.url = url;
        this.attempts = exhausted.attempts();
        this.elapsed = exhausted.elapsed();
        this.reason = exhausted.reason();
        this.lastResponse = lastResponse;
    }

    private static String message(String method, String url, RetriesExhaustedException exhausted, String lastOutcome) {
        int attempts = exhausted.attempts();
        StringBuilder text = new StringBuilder(method).append(' ').append(url).append(" failed after ").append(attempts)
                .append(attempts == 1 ? " attempt in " : " attempts in ").append(dev.endure.Durations.describe(exhausted.elapsed()))
                .append(" (");
        switch (exhausted.reason()) {
            case MAX_ATTEMPTS -> text.append("max attempts ").append(attempts).append(" reached");
            case HINT_EXCEEDS_DEADLINE -> text.append("Retry-After of ")
                    .append(exhausted.hint().map(dev.endure.Durations::describe).orElse("?"))
                    .append(" ends past the max duration");
            case HINT_EXCEEDS_MAX_RETRY_AFTER -> text.append("Retry-After of ")
                    .append(exhausted.hint().map(dev.endure.Durations::describe).orElse("?"))
                    .append(" is longer than the client's maxRetryAfter; a retry sooner would come before the server allows");
            case MAX_DURATION -> text.append("the next retry would start past the max duration");
            default -> text.append(exhausted.reason().description());
        }
        return text.append("); last outcome: ").append(lastOutcome).toString();
    }

    public String method() {
        return method;
    }

    /** The URL without user info, query string or fragment. */
    public String url() {
        return url;
    }

    /** Attempts made, the first included. */
    public int attempts() {
        return attempts;
    }

    /** Time from the first attempt's start to giving up, on the client's clock. */
    public Duration elapsed() {
        return elapsed;
    }

    public GiveUpReason reason() {
        return reason;
    }

    /** The status of the last attempt, if it got a response. */
    public OptionalInt lastStatus() {
        return lastResponse == null ? OptionalInt.empty() : OptionalInt.of(lastResponse.statusCode());
    }

    /**
     * The last response, if the last attempt got one; its body holds the bytes read (bounded by the
     * client's {@code maxBufferedErrorBody}).
     */
    public Optional<HttpResponse<byte[]>> lastResponse() {
        return Optional.ofNullable(lastResponse);
    }

    /** What the last attempt threw, if it threw. */
    public Optional<Throwable> lastFailure() {
        return Optional.ofNullable(getCause().getCause());
    }
}
