package dev.endure.delivery.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/**
 * The only class that touches HikariCP, so that {@link JdbcDeliveryStore} loads and runs on a caller's
 * own {@link DataSource} without HikariCP on the class path (it is an optional dependency).
 */
final class HikariPools {

    private HikariPools() {}

    static DataSource open(String jdbcUrl, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("endure-delivery");
        return new HikariDataSource(config);
    }

    static void closeQuietly(DataSource pool) {
        ((HikariDataSource) pool).close();
    }
}
