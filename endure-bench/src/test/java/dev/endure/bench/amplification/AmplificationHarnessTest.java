package dev.endure.bench.amplification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.budget.RetryBudgetPolicy;
import org.junit.jupiter.api.Test;

/** The quick variant of the amplification run: budgets hold their stated bound; the JDK's own resend is counted and charged. */
class AmplificationHarnessTest {

    @Test
    void aStrictBudgetBoundsTheLoadOnAHostThatClosesEveryConnection() throws Exception {
        AmplificationHarness.Row strict = AmplificationHarness.one("closes (GET)", "strict", AmplificationHarness.STRICT, 20, 10);
        AmplificationHarness.Row none = AmplificationHarness.one("closes (GET)", "none", null, 20, 2);

        // Without a budget: 4 attempts a call, the JDK's resends among them (before they were counted: 8 requests).
        assertThat(none.amplification()).isEqualTo(AmplificationHarness.MAX_ATTEMPTS);
        // The JDK resends every GET once on such a host whatever a budget says, and Endure charges that
        // resend to the budget, so the strict budget admits no retry of its own beyond it.
        assertThat(strict.amplification()).isLessThanOrEqualTo(2.0);
    }

    @Test
    void theDefaultBudgetStaysWithinItsStatedBoundOnA503Host() throws Exception {
        AmplificationHarness.Row row = AmplificationHarness.one("503 always", "default", RetryBudgetPolicy.named("default"), 83, 10);

        assertThat(row.amplification()).isLessThanOrEqualTo(AmplificationHarness.Row.bound(RetryBudgetPolicy.named("default"), 83, 4) + 0.05);
    }
}
