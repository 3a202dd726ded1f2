package dev.endure.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.budget.BudgetStore;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.store.JdbcRetryBudgetStore;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.testing.TestDatabases;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Issue 16: a budget marked shared in the Spring environment is pooled through PostgreSQL by every instance. */
class SharedBudgetTest {

    private DataSource database;

    @BeforeEach
    void freshSchema() {
        database = TestDatabases.postgres().dataSource();
    }

    private ApplicationContextRunner instance() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class, EndureBudgetStoreAutoConfiguration.class))
                .withBean(DataSource.class, () -> database)
                .withPropertyValues(
                        "endure.policies.billing.retry.maxAttempts=3",
                        "endure.policies.billing.budget=pooled",
                        "endure.budgets.pooled.maxRetryRatio=10%",
                        "endure.budgets.pooled.shared=true",
                        "endure.budgets.local.maxRetryRatio=10%",
                        "endure.budgetStore.table=billing_budgets",
                        "endure.budgetStore.syncInterval=100ms",
                        // trusted for 30 s: a sync slowed by a loaded machine must not drop the view this test watches
                        "endure.budgetStore.staleAfter=30s");
    }

    @Test
    void twoInstancesOfTheApplicationPoolTheBudgetMarkedSharedThroughPostgres() {
        instance().run(first -> instance().run(second -> {
            assertThat(first).hasSingleBean(JdbcRetryBudgetStore.class);
            assertThat(first.getBean(JdbcRetryBudgetStore.class).syncInterval()).isEqualTo(Duration.ofMillis(100));
            RetryBudget pooledHere = first.getBean(ResilienceRegistry.class).findRetryBudget("pooled").orElseThrow();
            RetryBudget pooledThere = second.getBean(ResilienceRegistry.class).findRetryBudget("pooled").orElseThrow();
            assertThat(first.getBean(ResilienceRegistry.class).findRetryBudget("local").orElseThrow().isShared()).isFalse();
            assertThat(first.getBean(ResilienceRegistry.class).pipeline("billing", () -> null).retryBudget()).containsSame(pooledHere);

            await().atMost(Duration.ofSeconds(20)).until(() -> pooledHere.otherInstances() == 1 && pooledThere.otherInstances() == 1);
            assertThat(pooledHere.available() + pooledThere.available())
                    .as("one floor of 10 (1/s over 10 s) for the two, not 10 each").isLessThanOrEqualTo(10);
            Integer rows = new org.springframework.jdbc.core.JdbcTemplate(database)
                    .queryForObject("SELECT COUNT(*) FROM billing_budgets WHERE name = 'pooled'", Integer.class);
            assertThat(rows).as("one row per instance, in the configured table").isEqualTo(2);
        }));
    }

    @Test
    void aSharedBudgetWithoutADataSourceFailsStartupNamingTheKey() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class, EndureBudgetStoreAutoConfiguration.class))
                .withPropertyValues("endure.budgets.pooled.shared=true")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("endure.budgets.pooled.shared: true needs one DataSource bean to pool the budget through"));
    }

    @Test
    void withoutASharedBudgetThereIsNoStore() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class, EndureBudgetStoreAutoConfiguration.class))
                .withBean(DataSource.class, () -> database)
                .withPropertyValues("endure.budgets.local.maxRetryRatio=10%")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(BudgetStore.class);
                    assertThat(context.getBean(ResilienceRegistry.class).findRetryBudget("local").orElseThrow().isShared()).isFalse();
                });
    }
}
