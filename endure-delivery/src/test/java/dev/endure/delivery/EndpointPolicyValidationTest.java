package dev.endure.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 1: an endpoint policy the worker could not run was accepted by the API. One check,
 * {@link DeliveryPolicy#forEndpoint}, now serves the API and the worker, and names the field at fault.
 */
class EndpointPolicyValidationTest {

    private final DeliveryPolicy seed = DeliveryPolicy.seed003();

    private void refused(EndpointPolicy overrides, String field, String words) {
        assertThatThrownBy(() -> seed.forEndpoint(overrides))
                .isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining(words)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).field()).isEqualTo(field));
    }

    @Test
    void aMaximumIntervalBelowTheInitialIntervalNamesMaxInterval() {
        refused(EndpointPolicy.NONE.withCap(Duration.ofMinutes(1)), "cap", "must not be below initial (2 min)");
    }

    @Test
    void anInitialIntervalAboveTheMaximumNamesInitialInterval() {
        refused(EndpointPolicy.NONE.withInitial(Duration.ofHours(2)), "initial", "must not be above cap (1 h)");
    }

    @Test
    void otherImpossibleValuesNameTheirField() {
        refused(EndpointPolicy.NONE.withMaxAttempts(0), "maxAttempts", "at least 1");
        refused(EndpointPolicy.NONE.withMultiplier(0.5), "multiplier", "at least 1");
        refused(EndpointPolicy.NONE.withMultiplier(Double.NaN), "multiplier", "finite");
        refused(EndpointPolicy.NONE.withMaxDuration(Duration.ZERO), "maxDuration", "positive");
        refused(EndpointPolicy.NONE.withTimeout(Duration.ofSeconds(-1)), "timeout", "positive");
        refused(EndpointPolicy.NONE.withInitial(Duration.ZERO), "initial", "positive");
    }

    @Test
    void consistentOverridesRun() {
        DeliveryPolicy fast = seed.forEndpoint(EndpointPolicy.NONE.withInitial(Duration.ofSeconds(1)).withCap(Duration.ofSeconds(30)));
        assertThat(fast.backoff().initial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fast.backoff().cap()).contains(Duration.ofSeconds(30));
        DeliveryPolicy slow = seed.forEndpoint(EndpointPolicy.NONE.withTimeout(Duration.ofMinutes(10)));
        // A timeout longer than the worker's lease is fine: the lease heartbeat renews the claim while it runs.
        assertThat(slow.timeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void theBuilderNamesItsFieldsToo() {
        assertThatThrownBy(() -> DeliveryPolicy.builder().maxAttempts(0).build())
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).field()).isEqualTo("maxAttempts"));
        assertThatThrownBy(() -> DeliveryPolicy.builder().timeout(Duration.ZERO).build())
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).field()).isEqualTo("timeout"));
    }
}
