package dev.endure.delivery;

import java.time.Duration;

/**
 * One endpoint's overrides of the {@link DeliveryPolicy}; a {@code null} field keeps the default.
 *
 * <pre>{@code
 * EndpointPolicy.NONE.withMaxAttempts(5).withTimeout(Duration.ofSeconds(5))
 * }</pre>
 */
public record EndpointPolicy(Duration initialInterval, Double multiplier, Duration maxInterval, Duration maxDuration,
        Integer maxAttempts, Duration timeout) {

    /** No overrides. */
    public static final EndpointPolicy NONE = new EndpointPolicy(null, null, null, null, null, null);

    public EndpointPolicy withInitialInterval(Duration value) {
        return new EndpointPolicy(value, multiplier, maxInterval, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withMultiplier(double value) {
        return new EndpointPolicy(initialInterval, value, maxInterval, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withMaxInterval(Duration value) {
        return new EndpointPolicy(initialInterval, multiplier, value, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withMaxDuration(Duration value) {
        return new EndpointPolicy(initialInterval, multiplier, maxInterval, value, maxAttempts, timeout);
    }

    public EndpointPolicy withMaxAttempts(int value) {
        return new EndpointPolicy(initialInterval, multiplier, maxInterval, maxDuration, value, timeout);
    }

    public EndpointPolicy withTimeout(Duration value) {
        return new EndpointPolicy(initialInterval, multiplier, maxInterval, maxDuration, maxAttempts, value);
    }

    public boolean isEmpty() {
        return equals(NONE);
    }
}
