package dev.endure.delivery;

import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;

class PostgresDeliveryWorkerTest extends DeliveryWorkerContract {

    private final DataSource dataSource = TestDatabases.postgres().dataSource();

    @Override
    DataSource dataSource() {
        return dataSource;
    }
}
