package dev.endure.config;

import dev.endure.budget.store.JdbcRetryBudgetStore;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code budgetStore} section: where the budgets marked {@code shared: true} pool their counts with the
 * other instances' ({@link JdbcRetryBudgetStore}). The database itself is the application's: pass its
 * {@link DataSource} to {@link #create}. Every setting is optional; left out, the store's default applies.
 *
 * @param table the table (default {@code endure_retry_budget})
 * @param syncInterval how often counts are written and read (default 500 ms)
 * @param staleAfter how long a view is trusted before each budget decides alone (default ten sync intervals)
 * @param createTable whether {@link #create} creates the table if it is missing (default true)
 */
public record BudgetStoreSettings(Optional<String> table, Optional<Duration> syncInterval, Optional<Duration> staleAfter,
        boolean createTable) {

    /** Every setting at the store's default. */
    public static final BudgetStoreSettings DEFAULTS = new BudgetStoreSettings(Optional.empty(), Optional.empty(), Optional.empty(), true);

    public BudgetStoreSettings {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(staleAfter, "staleAfter");
    }

    /**
     * The store these settings describe, on {@code dataSource}, with its table created if missing when
     * {@link #createTable()}. Nothing runs until a shared budget joins it.
     *
     * @throws IllegalStateException if the table should be created and cannot be
     */
    public JdbcRetryBudgetStore create(DataSource dataSource) {
        JdbcRetryBudgetStore store = builder(Objects.requireNonNull(dataSource, "dataSource")).build();
        return createTable ? store.createTableIfMissing() : store;
    }

    /**
     * Checks the settings by the store builder's own rules, without a database.
     *
     * @throws IllegalArgumentException with the builder's message, which starts with the setting's name
     */
    void validate() {
        DataSource unused = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, arguments) -> {
                    throw new IllegalStateException("only validating budgetStore settings");
                });
        builder(unused).build().close();
    }

    private JdbcRetryBudgetStore.Builder builder(DataSource dataSource) {
        JdbcRetryBudgetStore.Builder builder = JdbcRetryBudgetStore.builder(dataSource);
        table.ifPresent(builder::table);
        syncInterval.ifPresent(builder::syncInterval);
        staleAfter.ifPresent(builder::staleAfter);
        return builder;
    }
}
