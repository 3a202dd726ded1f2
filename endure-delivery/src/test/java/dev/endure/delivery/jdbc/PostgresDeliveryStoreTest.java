package dev.endure.delivery.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.PooledTestDatabase;
import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

class PostgresDeliveryStoreTest extends DeliveryStoreContract {

    private final HikariDataSource dataSource = PooledTestDatabase.pool(TestDatabases.postgres().dataSource());

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @AfterEach
    void closePool() {
        dataSource.close();
    }
}
