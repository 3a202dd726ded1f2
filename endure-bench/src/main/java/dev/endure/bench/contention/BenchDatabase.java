package dev.endure.bench.contention;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.jdbc.example.AuthorizationUnitsSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
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

    private BenchDatabase(String baseUrl, EmbeddedPostgres embedded, int poolSize, boolean keepSchema, boolean allowSeqScan)
            throws SQLException {
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
        // Connections start SERIALIZABLE, so the transaction runner finds the level it wants and changes nothing
        // (on pgJDBC each change and each restore is a round trip).
        config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
        if (!allowSeqScan) {
            // The run's tables are tiny (4 authorizations in one page), so the planner would read them with sequential
            // scans, and under SERIALIZABLE a sequential scan takes a predicate lock on the whole relation: every
            // writer then conflicts with every reader. Production-sized tables get index scans; so does the harness.
            config.setConnectionInitSql("SET enable_seqscan = off");
        }
        this.pool = new HikariDataSource(config);
        AuthorizationUnitsSchema.create(pool);
        this.description = redact(baseUrl) + (embedded != null ? " (embedded)" : "") + ", PostgreSQL " + version + ", schema " + schema;
    }

    /** Opens {@code url}, or else the local PostgreSQL when it answers, or else (or when forced) an embedded one. */
    static BenchDatabase open(String url, boolean forceEmbedded, int poolSize, boolean keepSchema, boolean allowSeqScan) throws Exception {
        if (url != null && !url.isBlank()) {
            return new BenchDatabase(url, null, poolSize, keepSchema, allowSeqScan);
        }
        if (!forceEmbedded) {
            if (answers(LOCAL_URL)) {
                return new BenchDatabase(LOCAL_URL, null, poolSize, keepSchema, allowSeqScan);
            }
            System.err.println("no PostgreSQL answers at " + LOCAL_URL + "; starting an embedded one");
        }
        EmbeddedPostgres embedded = EmbeddedPostgres.builder().setServerConfig("max_connections", String.valueOf(poolSize + 20)).start();
        try {
            return new BenchDatabase(embedded.getJdbcUrl("postgres", "postgres"), embedded, poolSize, keepSchema, allowSeqScan);
        } catch (SQLException | RuntimeException e) {
            embedded.close();
            throw e;
        }
    }

    private static boolean answers(String url) {
        try (Connection connection = DriverManager.getConnection(url)) {
            return connection.isValid(5);
        } catch (SQLException e) {
            return false;
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
    public void close() throws SQLException, IOException {
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
