package dev.endure.delivery;

import dev.endure.delivery.internal.Ids;

import dev.endure.delivery.signing.SigningKeys;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A webhook receiver: where to send, how to sign, whether it is enabled (and if not, why and since
 * when), its policy overrides, a rate limit (requests per second, 0 for none), a concurrency bound
 * (0 for none) and whether messages must arrive in order.
 *
 * <pre>{@code
 * Endpoint endpoint = Endpoint.of("ep_billing", URI.create("https://hooks.example.com/billing"), WebhookSecret.generate())
 *     .withRateLimit(10).withMaxConcurrency(4).withOrdered(true);
 * }</pre>
 */
public record Endpoint(String id, URI url, SigningKeys signingKeys, boolean enabled, String disabledReason,
        Instant disabledAt, EndpointPolicy policy, double rateLimitPerSecond, int maxConcurrency, boolean ordered) {

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

    /** An enabled endpoint with one secret, default policy, no limits, unordered. */
    public static Endpoint of(String id, URI url, WebhookSecret secret) {
        return new Endpoint(id, url, SigningKeys.of(secret), true, null, null, EndpointPolicy.NONE, 0, 0, false);
    }

    public Endpoint withPolicy(EndpointPolicy value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, value, rateLimitPerSecond, maxConcurrency, ordered);
    }

    public Endpoint withRateLimit(double perSecond) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, perSecond, maxConcurrency, ordered);
    }

    public Endpoint withMaxConcurrency(int value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, value, ordered);
    }

    public Endpoint withOrdered(boolean value) {
        return new Endpoint(id, url, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, value);
    }

    public Endpoint withSigningKeys(SigningKeys value) {
        return new Endpoint(id, url, value, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, ordered);
    }

    public Endpoint withUrl(URI value) {
        return new Endpoint(id, value, signingKeys, enabled, disabledReason, disabledAt, policy, rateLimitPerSecond, maxConcurrency, ordered);
    }

    @Override
    public String toString() {
        return "Endpoint[" + id + " " + url + (enabled ? "" : " disabled: " + disabledReason) + "]";
    }
}
