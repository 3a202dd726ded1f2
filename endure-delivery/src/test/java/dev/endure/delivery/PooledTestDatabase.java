package dev.endure.delivery;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/** Wraps a test database in a small HikariCP pool, as production does; a fresh connection per transaction is slow on PostgreSQL. */
public final class PooledTestDatabase {

    private PooledTestDatabase() {}

    public static HikariDataSource pool(DataSource dataSource) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(dataSource);
        config.setMaximumPoolSize(6);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }
}
