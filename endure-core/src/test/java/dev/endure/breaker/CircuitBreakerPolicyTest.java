package dev.endure.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerPolicyTest {

    @Test
    void rejectsBadValuesNamingTheFieldTheValueAndTheBreaker() {
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().name("billing").minimumCalls(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minimumCalls must be at least 1 (was 0) in circuit breaker 'billing'");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().name("billing").failureRateThreshold(50).build())
                .hasMessageContaining("failureRateThreshold must be a fraction above 0 and at most 1")
                .hasMessageContaining("(was 50.0)");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().name("billing").openDuration(Duration.ofSeconds(30))
                .maxOpenDuration(Duration.ofSeconds(10)).build())
                .hasMessageContaining("maxOpenDuration (PT10S) must not be shorter than openDuration (PT30S)");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().name("billing").consecutiveFailures(0).build())
                .hasMessageContaining("can never open");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().slidingWindow(SlidingWindow.countBased(10)).minimumCalls(20).build())
                .hasMessageContaining("minimumCalls (20) must not exceed the count-based slidingWindow (10 calls)");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().halfOpenMaxTrials(0).build())
                .hasMessageContaining("halfOpenMaxTrials must be at least 1 (was 0)");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().openDurationMultiplier(0.5).build())
                .hasMessageContaining("openDurationMultiplier must be at least 1 (was 0.5)");
        assertThatThrownBy(() -> SlidingWindow.countBased(0)).hasMessageContaining("slidingWindow calls must be between 1");
        assertThatThrownBy(() -> SlidingWindow.timeBased(Duration.ofMillis(5))).hasMessageContaining("at least 20 ms");
    }

    @Test
    void openDurationGrowsByTheMultiplierPerStepUpToTheCap() {
        CircuitBreakerPolicy policy = CircuitBreakerPolicy.builder().openDuration(Duration.ofSeconds(10))
                .openDurationMultiplier(2).maxOpenDuration(Duration.ofSeconds(60)).build();
        assertThat(policy.openDurationAtStep(0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.openDurationAtStep(1)).isEqualTo(Duration.ofSeconds(20));
        assertThat(policy.openDurationAtStep(2)).isEqualTo(Duration.ofSeconds(40));
        assertThat(policy.openDurationAtStep(3)).isEqualTo(Duration.ofSeconds(60));
        assertThat(policy.openDurationAtStep(10_000)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void equalPoliciesAreEqualAndToBuilderKeepsEveryValue() {
        CircuitBreakerPolicy policy = CircuitBreakerPolicy.builder().name("x").slidingWindow(SlidingWindow.timeBased(Duration.ofMinutes(1)))
                .minimumCalls(5).slowCallThreshold(Duration.ofSeconds(2)).halfOpenMaxTrials(3).halfOpenSuccesses(4).build();
        assertThat(policy.toBuilder().build()).isEqualTo(policy).hasSameHashCodeAs(policy);
        assertThat(policy.toBuilder().halfOpenSuccesses(5).build()).isNotEqualTo(policy);
        assertThat(policy.toString()).contains("5 consecutive failures", "last PT1M", "slower than 2 s");
    }
}
