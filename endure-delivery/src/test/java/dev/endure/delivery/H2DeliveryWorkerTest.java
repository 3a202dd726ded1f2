package dev.endure.delivery;

import dev.endure.testing.TestDatabases;
import javax.sql.DataSource;

class H2DeliveryWorkerTest extends DeliveryWorkerContract {

    private final DataSource dataSource = TestDatabases.h2().dataSource();

    @Override
    DataSource dataSource() {
        return dataSource;
    }
}
