package dev.endure.delivery.jdbc;

import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;

class PostgresDeliveryStoreTest extends DeliveryStoreContract {

    private final DataSource dataSource = TestDatabases.postgres().dataSource();

    @Override
    DataSource dataSource() {
        return dataSource;
    }
}
