package dev.endure.delivery;

import dev.endure.delivery.internal.Ids;

import dev.endure.delivery.signing.SigningKeys;
import dev.endure.delivery.signing.SigningSecret;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A webhook receiver: where to send, how to sign, whether it is enabled (and if not, why and since
 * when), its policy overrides, a rate limit (requests per second, 0 for none), a concurrency bound
 * (0 for none, counted across nodes), whether messages must arrive in order, and whether the worker adapts its
 * concurrency to the receiver (its 429/503 answers and latency; {@code null} keeps the worker's default).
 *
 * <pre>{@code
 * Endpoint endpoint = Endpoint.of("ep_billing", URI.create("https://hooks.example.com/billing"), dev.endure.delivery.signing.WebhookSecret.generate())
 *     .withRateLimit(10).withMaxConcurrency(4).withOrdered(true);
 * }</pre>
 */
public record Endpoint(String id, URI url, SigningKeys signingKeys, boolean enabled, String disabledReason,
        Instant disabledAt, EndpointPolicy policy, double rateLimitPerSecond, int maxConcurrency, boolean ordered,
        Boolean adaptiveConcurrency) {

    public Endpoint {
        Ids.check("endpoint id", id);
        Objects.requireNonNull(url, "url");
        if (url.getScheme() == null || url.getHost() == null) {
            throw new IllegalArgumentException("endpoint " + id + " URL must be absolute with a host (was " + url + ")");
        }
        Objects.requireNonNull(signingKeys, "signingKeys");
        policy = policy == null ? EndpointPolicy.NONE : policy;
        if (!(rateLimitPerSecond >= 0) || Double.isInfinite(rateLimitPerSecond)) {
            throw new IllegalArgumentException("endpoint " + id + " rate limit must be a finite number of requests per second, 0 for none (was "
                    + rateLimitPerSecond + ")");
        }
        if (maxConcurrency < 0) {
            throw new IllegalArgumentException("endpoint " + id + " max concurrency must be 0 (none) or more (was " + maxConcurrency + ")");
        }
    }

    /** An enabled endpoint with one secret ({@code v1} or {@code v1a}), default policy, no limits, unordered. */
    public static Endpoint of(String id, URI url, SigningSecret secret) {
        return new Endpoint(id, url, SigningKeys.of(secret), true, null, null, EndpointPolicy.NONE, 0, 0, false, null);
    }

    public Endpoint withPolicy(EndpointPolicy value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, value, rateLimitPerSecond, maxConcurrency, ordered, adaptiveConcurrency);
    }

    public Endpoint withRateLimit(double perSecond) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, perSecond, maxConcurrency, ordered, adaptiveConcurrency);
    }

    public Endpoint withMaxConcurrency(int value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, value, ordered, adaptiveConcurrency);
    }

    public Endpoint withOrdered(boolean value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, value, adaptiveConcurrency);
    }

    /** Whether the worker adapts this endpoint's concurrency to the receiver; null keeps the worker's default. */
    public Endpoint withAdaptiveConcurrency(Boolean value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, ordered,
                value);
    }

    public Endpoint withSigningKeys(SigningKeys value) {
        return new Endpoint(id, url, value, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, ordered, adaptiveConcurrency);
    }

    public Endpoint withUrl(URI value) {
        return new Endpoint(id, value, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, ordered, adaptiveConcurrency);
    }

    @Override
    public String toString() {
        return "Endpoint[" + id + " " + url + (enabled ? "" : " disabled: " + disabledReason) + "]";
    }
}
