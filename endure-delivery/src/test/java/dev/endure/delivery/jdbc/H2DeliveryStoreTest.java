package dev.endure.delivery.jdbc;

import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;

class H2DeliveryStoreTest extends DeliveryStoreContract {

    private final DataSource dataSource = TestDatabases.h2().dataSource();

    @Override
    DataSource dataSource() {
        return dataSource;
    }
}
