package dev.endure.delivery;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

class PostgresDeliveryWorkerTest extends DeliveryWorkerContract {

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
