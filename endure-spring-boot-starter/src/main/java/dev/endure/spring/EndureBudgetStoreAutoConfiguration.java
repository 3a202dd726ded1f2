package dev.endure.spring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.budget.BudgetStore;
import dev.endure.budget.store.JdbcRetryBudgetStore;
import dev.endure.config.EndureConfig;
import dev.endure.spring.internal.EnvironmentTree;
import dev.endure.spring.internal.SpringConfigLoader;
import java.util.Iterator;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The store that budgets marked {@code endure.budgets.<name>.shared=true} pool through: a
 * {@link JdbcRetryBudgetStore} on the application's {@link DataSource}, set by {@code endure.budgetStore.*}
 * ({@code table}, {@code syncInterval}, {@code staleAfter}, {@code createTable}), made only when some budget
 * is shared and no {@link BudgetStore} bean is defined. The registry takes it and closes it.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@Conditional(EndureBudgetStoreAutoConfiguration.SomeBudgetIsShared.class)
public class EndureBudgetStoreAutoConfiguration {

    /**
     * @throws EndureConfigurationException naming the shared budgets when there is no single DataSource bean
     */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean(BudgetStore.class)
    public JdbcRetryBudgetStore endureBudgetStore(EndureConfig config, ObjectProvider<DataSource> dataSources) {
        DataSource dataSource = dataSources.getIfUnique();
        if (dataSource == null) {
            throw new EndureConfigurationException(config.sharedBudgets().stream()
                    .map(name -> SpringConfigLoader.PREFIX + ".budgets." + name + ".shared: true needs one DataSource bean to pool"
                            + " the budget through (or a BudgetStore bean); the context has "
                            + (dataSources.stream().findAny().isPresent() ? "several" : "none"))
                    .toList(), null);
        }
        return config.budgetStore(dataSource);
    }

    /** Some {@code endure.budgets.<name>.shared} is true. */
    static final class SomeBudgetIsShared implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            JsonNode budgets = EnvironmentTree.read(context.getEnvironment(), SpringConfigLoader.PREFIX, SpringConfigLoader.STARTER_KEYS)
                    .tree().path("budgets");
            for (Iterator<Map.Entry<String, JsonNode>> entries = budgets.fields(); entries.hasNext(); ) {
                if (entries.next().getValue().path("shared").asBoolean(false)) {
                    return true;
                }
            }
            return false;
        }
    }
}
