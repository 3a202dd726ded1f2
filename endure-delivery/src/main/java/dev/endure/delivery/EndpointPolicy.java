package dev.endure.delivery;

import java.time.Duration;

/**
 * One endpoint's overrides of the {@link DeliveryPolicy}; a {@code null} field keeps the default.
 *
 * <pre>{@code
 * EndpointPolicy.NONE.withMaxAttempts(5).withTimeout(Duration.ofSeconds(5))
 * }</pre>
 */
public record EndpointPolicy(Duration initial, Double multiplier, Duration cap, Duration maxDuration,
        Integer maxAttempts, Duration timeout) {

    /** No overrides. */
    public static final EndpointPolicy NONE = new EndpointPolicy(null, null, null, null, null, null);

    public EndpointPolicy withInitial(Duration value) {
        return new EndpointPolicy(value, multiplier, cap, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withMultiplier(double value) {
        return new EndpointPolicy(initial, value, cap, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withCap(Duration value) {
        return new EndpointPolicy(initial, multiplier, value, maxDuration, maxAttempts, timeout);
    }

    public EndpointPolicy withMaxDuration(Duration value) {
        return new EndpointPolicy(initial, multiplier, cap, value, maxAttempts, timeout);
    }

    public EndpointPolicy withMaxAttempts(int value) {
        return new EndpointPolicy(initial, multiplier, cap, maxDuration, value, timeout);
    }

    public EndpointPolicy withTimeout(Duration value) {
        return new EndpointPolicy(initial, multiplier, cap, maxDuration, maxAttempts, value);
    }

    public boolean isEmpty() {
        return equals(NONE);
    }
}
