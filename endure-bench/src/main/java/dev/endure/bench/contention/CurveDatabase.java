package dev.endure.bench.contention;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.jdbc.example.AuthorizationUnitsSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database the contention curve runs on, in a schema (PostgreSQL) or database (MariaDB) of its own that is dropped
 * at the end, so the curve never touches anyone else's tables. PostgreSQL is, unless a URL is given, a private
 * embedded server with room for 256 connections plus pgbench's; a shared server's {@code max_connections} is often
 * 100, too few for one connection per client at 256 clients.
 */
final class CurveDatabase implements AutoCloseable {

    private static final Pattern PG_URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?");

    final boolean postgres;
    private final String baseUrl;
    private final String poolUrl;
    private final String container;
    private final EmbeddedPostgres embedded;
    private final String description;
    private final int maxPool;

    private CurveDatabase(boolean postgres, String baseUrl, EmbeddedPostgres embedded, int maxPool) throws SQLException {
        this.postgres = postgres;
        this.baseUrl = baseUrl;
        this.embedded = embedded;
        this.maxPool = maxPool;
        this.container = "endure_curve_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String version;
        try (Connection connection = DriverManager.getConnection(baseUrl); Statement statement = connection.createStatement()) {
            version = connection.getMetaData().getDatabaseProductName() + " " + connection.getMetaData().getDatabaseProductVersion();
            statement.execute(postgres ? "CREATE SCHEMA " + container : "CREATE DATABASE " + container);
        }
        this.poolUrl = postgres ? baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + container
                : baseUrl.replaceFirst("(jdbc:mariadb://[^/]+/)[^?]*", "$1" + container);
        this.description = version + (embedded != null ? " (private embedded server)" : " at " + BenchDatabase.redact(baseUrl));
        try (HikariDataSource pool = pool(1)) {
            AuthorizationUnitsSchema.create(pool);
        }
    }

    /**
     * PostgreSQL at {@code url}, or a private embedded one (max_connections 600) when {@code url} is null; pools are
     * capped at {@code maxPool} connections.
     */
    static CurveDatabase postgres(String url, int maxPool) throws SQLException, java.io.IOException {
        if (url != null && !url.isBlank()) {
            return new CurveDatabase(true, url, null, maxPool);
        }
        EmbeddedPostgres server = EmbeddedPostgres.builder().setServerConfig("max_connections", "600").start();
        try {
            return new CurveDatabase(true, server.getJdbcUrl("postgres", "postgres"), server, maxPool);
        } catch (SQLException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** MariaDB at {@code url}; pools are capped at {@code maxPool} connections so a shared server keeps room for others. */
    static CurveDatabase mariadb(String url, int maxPool) throws SQLException {
        return new CurveDatabase(false, url, null, maxPool);
    }

    String description() {
        return description;
    }

    /** The connections a pool for {@code clients} gets: one per client, up to the cap. */
    int connectionsFor(int clients) {
        return Math.min(clients, maxPool);
    }

    /** A SERIALIZABLE pool of {@code size} connections, all opened before it is returned. */
    HikariDataSource pool(int size) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(poolUrl);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setPoolName("curve-" + size);
        config.setConnectionTimeout(60_000);
        config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
        if (postgres) {
            config.setConnectionInitSql("SET enable_seqscan = off"); // as the contention harness: see BenchDatabase
        }
        HikariDataSource pool = new HikariDataSource(config);
        List<Connection> opened = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                opened.add(pool.getConnection());
            }
        } finally {
            for (Connection connection : opened) {
                connection.close();
            }
        }
        return pool;
    }

    /** Empties the tables and creates {@code authorizations} authorizations (ids 1..n) of {@code units} units. */
    void reset(int authorizations, int units) throws SQLException {
        try (Connection connection = DriverManager.getConnection(poolUrl); Statement statement = connection.createStatement()) {
            if (postgres) {
                statement.execute("TRUNCATE unit_reservations, authorizations RESTART IDENTITY");
            } else {
                statement.execute("SET FOREIGN_KEY_CHECKS = 0");
                statement.execute("TRUNCATE TABLE unit_reservations");
                statement.execute("TRUNCATE TABLE authorizations");
                statement.execute("SET FOREIGN_KEY_CHECKS = 1");
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO authorizations (organization_id, total_units, used_units, scheduled_units) VALUES (1, ?, 0, 0)")) {
                for (int i = 0; i < authorizations; i++) {
                    insert.setInt(1, units);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            if (postgres) {
                statement.execute("ANALYZE authorizations");
                statement.execute("CHECKPOINT");
            }
        }
    }

    /** Seed 001's integrity query: authorizations with {@code used + scheduled > total}. */
    int overbooked() throws SQLException {
        return count("SELECT COUNT(*) FROM authorizations WHERE used_units + scheduled_units > total_units");
    }

    /** Authorizations whose scheduled units disagree with their reservations (a lost update). */
    int miscounted() throws SQLException {
        return count("SELECT COUNT(*) FROM authorizations a WHERE a.scheduled_units <> (SELECT COALESCE(SUM(r.units), 0)"
                + " FROM unit_reservations r WHERE r.authorization_id = a.id AND r.status = 'SCHEDULED')");
    }

    private int count(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(poolUrl); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** pgbench's connection arguments and the PGOPTIONS that put it in the same schema and isolation as Endure. */
    List<String> pgbenchConnection() {
        Matcher url = PG_URL.matcher(baseUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("cannot read host, port and database for pgbench from " + BenchDatabase.redact(baseUrl));
        }
        String user = "postgres";
        if (url.group(4) != null) {
            for (String parameter : url.group(4).split("&")) {
                if (parameter.startsWith("user=")) {
                    user = parameter.substring(5);
                }
            }
        }
        return List.of("-h", url.group(1), "-p", url.group(2) == null ? "5432" : url.group(2), "-U", user, url.group(3));
    }

    String pgOptions() {
        return "-c search_path=" + container + " -c default_transaction_isolation=serializable -c enable_seqscan=off";
    }

    @Override
    public void close() throws Exception {
        try (Connection connection = DriverManager.getConnection(baseUrl); Statement statement = connection.createStatement()) {
            statement.execute(postgres ? "DROP SCHEMA " + container + " CASCADE" : "DROP DATABASE " + container);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
