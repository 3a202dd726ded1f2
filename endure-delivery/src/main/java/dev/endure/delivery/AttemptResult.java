package dev.endure.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * What one send produced, before any decision: an HTTP status with its Retry-After hint, or an error
 * (no answer). Built by the worker, judged by {@link dev.endure.delivery.internal.DeliveryDecider}.
 */
public record AttemptResult(Integer status, Duration retryAfter, String error, Duration latency, String responseSnippet) {

    public AttemptResult {
        Objects.requireNonNull(latency, "latency");
        if ((status == null) == (error == null)) {
            throw new IllegalArgumentException("an attempt result has either a status or an error");
        }
    }

    public static AttemptResult status(int status, Duration retryAfter, Duration latency, String snippet) {
        return new AttemptResult(status, retryAfter, null, latency, snippet);
    }

    public static AttemptResult error(String error, Duration latency) {
        return new AttemptResult(null, null, error, latency, null);
    }

    /** "HTTP 503" or the error text. */
    public String describe() {
        return status != null ? "HTTP " + status : error;
    }
}
