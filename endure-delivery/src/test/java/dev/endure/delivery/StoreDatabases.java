package dev.endure.delivery;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.testing.TestDatabases;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * Fresh schemas on both databases the store supports, for parameterized tests:
 * {@code @MethodSource("dev.endure.delivery.StoreDatabases#kinds")}, then {@link #fresh} per run and
 * {@link #closeAll} after the class.
 */
public final class StoreDatabases {

    private static final List<HikariDataSource> POOLS = new ArrayList<>();

    private StoreDatabases() {}

    public static Stream<String> kinds() {
        return Stream.of("postgres", "h2");
    }

    /** A fresh, empty schema on {@code kind} ("postgres" pooled, or "h2"). */
    public static synchronized DataSource fresh(String kind) {
        if (kind.equals("h2")) {
            return TestDatabases.h2().dataSource();
        }
        HikariDataSource pool = PooledTestDatabase.pool(TestDatabases.postgres().dataSource());
        POOLS.add(pool);
        return pool;
    }

    public static synchronized void closeAll() {
        POOLS.forEach(HikariDataSource::close);
        POOLS.clear();
    }
}
