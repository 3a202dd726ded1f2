package dev.endure.http;

import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CallNotPermittedException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The host's circuit breaker did not let the call through, so nothing was sent (or, after retries, the
 * last attempt was refused). One checked {@link IOException} for every method: a GET and a POST without
 * an idempotency key end the same way. The cause is core's {@link CallNotPermittedException}.
 */
public final class HttpBreakerOpenException extends IOException {

    private final String method;
    private final String url;
    private final int attempts;
    private final transient CallNotPermittedException rejection;

    HttpBreakerOpenException(String method, String url, int attempts, CallNotPermittedException rejection) {
        super(method + " " + url + " not sent: " + rejection.getMessage()
                + (attempts > 0 ? " (after " + attempts + (attempts == 1 ? " attempt" : " attempts") + " that reached the host)" : ""),
                rejection);
        this.method = method;
        this.url = url;
        this.attempts = attempts;
        this.rejection = rejection;
    }

    public String method() {
        return method;
    }

    /** The URL without user info, query string or fragment. */
    public String url() {
        return url;
    }

    /** Attempts of this call that reached the host before the breaker refused (0 if it refused the first). */
    public int attempts() {
        return attempts;
    }

    public String breakerName() {
        return rejection.breakerName();
    }

    /** OPEN, or HALF_OPEN with every trial slot taken. */
    public BreakerState state() {
        return rejection.state();
    }

    /** When the breaker lets a trial call through; empty if forced open or HALF_OPEN. */
    public Optional<Duration> retryAfter() {
        return rejection.retryAfter();
    }
}
