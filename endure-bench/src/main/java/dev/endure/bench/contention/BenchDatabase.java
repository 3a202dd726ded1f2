package dev.endure.bench.contention;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.jdbc.example.AuthorizationUnitsSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL the harness runs against: the given URL, else the local one when it answers, else an embedded one.
 * Every run gets its own schema, dropped at the end, so the harness never touches anyone else's tables.
 */
final class BenchDatabase implements AutoCloseable {

    static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final String baseUrl;
    private final String schema;
    private final boolean keepSchema;
    private final EmbeddedPostgres embedded;
    private final HikariDataSource pool;
    private final String description;

    private BenchDatabase(String baseUrl, EmbeddedPostgres embedded, int poolSize, boolean keepSchema) throws SQLException {
        this.baseUrl = baseUrl;
        this.embedded = embedded;
        this.keepSchema = keepSchema;
        this.schema = "endure_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String version;
        try (Connection connection = DriverManager.getConnection(baseUrl); Statement statement = connection.createStatement()) {
            if (!connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres")) {
                throw new IllegalArgumentException("the contention harness needs PostgreSQL; " + redact(baseUrl) + " is "
                        + connection.getMetaData().getDatabaseProductName());
            }
            version = connection.getMetaData().getDatabaseProductVersion();
            statement.execute("CREATE SCHEMA " + schema);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        config.setPoolName("contention-harness");
        config.setConnectionTimeout(30_000);
        this.pool = new HikariDataSource(config);
        AuthorizationUnitsSchema.create(pool);
        this.description = redact(baseUrl) + (embedded != null ? " (embedded)" : "") + ", PostgreSQL " + version + ", schema " + schema;
    }

    /** Opens {@code url}, or the local PostgreSQL, or an embedded one. */
    static BenchDatabase open(String url, int poolSize, boolean keepSchema) throws Exception {
        if (url != null && !url.isBlank()) {
            return new BenchDatabase(url, null, poolSize, keepSchema);
        }
        try (Connection ignored = DriverManager.getConnection(LOCAL_URL)) {
            return new BenchDatabase(LOCAL_URL, null, poolSize, keepSchema);
        } catch (SQLException localMissing) {
            System.err.println("no PostgreSQL at " + LOCAL_URL + " (" + localMissing.getMessage() + "); starting an embedded one");
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().setServerConfig("max_connections", String.valueOf(poolSize + 20)).start();
            return new BenchDatabase(embedded.getJdbcUrl("postgres", "postgres"), embedded, poolSize, keepSchema);
        }
    }

    HikariDataSource pool() {
        return pool;
    }

    String description() {
        return description;
    }

    /** The server's max_connections and how many are in use, to refuse a pool that would starve others. */
    int[] connections() throws SQLException {
        try (Connection connection = DriverManager.getConnection(baseUrl); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity)::int")) {
            rows.next();
            return new int[] {rows.getInt(1), rows.getInt(2)};
        }
    }

    @Override
    public void close() throws Exception {
        pool.close();
        if (!keepSchema) {
            try (Connection connection = DriverManager.getConnection(baseUrl); Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
