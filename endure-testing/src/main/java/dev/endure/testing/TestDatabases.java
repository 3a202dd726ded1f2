package dev.endure.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * How Endure's tests find real databases (DESIGN.md, "Real parts in tests").
 *
 * <ul>
 *   <li>PostgreSQL: {@code ENDURE_TEST_PG_URL}, else {@code jdbc:postgresql://127.0.0.1:5432/test} (user
 *       {@code postgres}; another default with {@code -Dendure.test.pg.defaultUrl} or
 *       {@code ENDURE_TEST_PG_DEFAULT_URL}) when it answers, else an embedded PostgreSQL (zonky; as root it runs
 *       the server in a user namespace with {@code unshare -U}). Under {@code CI=true} a failure to get one fails
 *       the test; it never skips.
 *   <li>MariaDB: {@code ENDURE_TEST_MARIADB_URL}, else {@code 127.0.0.1:3306/test} as root. Required under
 *       {@code CI=true}; elsewhere skipped with the reason printed.
 *   <li>H2: in memory, always.
 * </ul>
 *
 * Every call returns a fresh, empty schema (PostgreSQL), database (MariaDB) or in-memory database (H2),
 * so test classes never see each other's tables.
 */
public final class TestDatabases {

    private static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DEFAULT_MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable";

    private static volatile String postgresBaseUrl;
    private static volatile EmbeddedPostgres embedded;

    private TestDatabases() {}

    /** True when running in CI, where every database suite must run. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** A fresh schema on a real PostgreSQL (see the class comment for where it comes from). */
    public static TestDatabase postgres() {
        String base = postgresBaseUrl();
        String schema = uniqueName("endure_test");
        try (Connection connection = DriverManager.getConnection(base); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + " on " + redact(base), e);
        }
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(url);
        return new TestDatabase("postgresql", url, dataSource);
    }

    /** The PostgreSQL URL every {@link #postgres()} schema lives on (starting the embedded one if needed). */
    public static synchronized String postgresBaseUrl() {
        if (postgresBaseUrl != null) {
            return postgresBaseUrl;
        }
        String configured = System.getenv("ENDURE_TEST_PG_URL");
        String localDefault = localPostgresUrl();
        String candidate = withPostgresUser(configured != null && !configured.isBlank() ? configured : localDefault);
        SQLException localFailure;
        try (Connection ignored = DriverManager.getConnection(candidate)) {
            postgresBaseUrl = candidate;
            return candidate;
        } catch (SQLException e) {
            localFailure = e;
        }
        if (configured != null && !configured.isBlank()) {
            throw new IllegalStateException("ENDURE_TEST_PG_URL is set but does not answer: " + redact(configured), localFailure);
        }
        try {
            System.out.println("[endure-testing] no PostgreSQL at " + redact(localDefault) + " (" + localFailure.getMessage()
                    + "); starting an embedded PostgreSQL");
            embedded = EmbeddedPostgres.builder().start();
            postgresBaseUrl = embedded.getJdbcUrl("postgres", "postgres");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (Exception ignored) {
                    // the JVM is going away anyway
                }
            }));
            return postgresBaseUrl;
        } catch (Exception | LinkageError e) {
            IllegalStateException failure = new IllegalStateException("no PostgreSQL: " + redact(localDefault)
                    + " does not answer and the embedded PostgreSQL did not start", e);
            failure.addSuppressed(localFailure);
            throw failure;
        }
    }

    /** A fresh database on a real MariaDB; skips (with the reason printed) outside CI when there is none. */
    public static TestDatabase mariadb() {
        String configured = System.getenv("ENDURE_TEST_MARIADB_URL");
        String base = configured != null && !configured.isBlank() ? configured : DEFAULT_MARIADB_URL;
        String database = uniqueName("endure_test");
        try (Connection connection = DriverManager.getConnection(base); Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            if (inCi() || (configured != null && !configured.isBlank())) {
                throw new IllegalStateException("MariaDB is required here but " + redact(base) + " does not answer", e);
            }
            String reason = "skipped: no MariaDB at " + redact(base) + " (" + e.getMessage() + "); set ENDURE_TEST_MARIADB_URL to run it";
            System.out.println("[endure-testing] " + reason);
            Assumptions.abort(reason);
        }
        String url = base.replaceFirst("(jdbc:mariadb://[^/]+/)[^?]*", "$1" + database);
        try {
            MariaDbDataSource dataSource = new MariaDbDataSource(url);
            return new TestDatabase("mariadb", url, dataSource);
        } catch (SQLException e) {
            throw new IllegalStateException("bad MariaDB URL " + redact(url), e);
        }
    }

    /** A fresh in-memory H2 database, kept until the JVM exits. */
    public static TestDatabase h2() {
        String url = "jdbc:h2:mem:" + uniqueName("endure") + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        return new TestDatabase("h2", url, dataSource);
    }

    /**
     * The local PostgreSQL tried before the embedded one: {@value #DEFAULT_PG_URL}, unless the system property
     * {@code endure.test.pg.defaultUrl} or the environment variable {@code ENDURE_TEST_PG_DEFAULT_URL} names
     * another. Unlike {@code ENDURE_TEST_PG_URL}, a default that does not answer falls back to the embedded
     * PostgreSQL; pointing it at a closed port is how the fallback itself gets tested on a machine that has
     * a local PostgreSQL.
     */
    static String localPostgresUrl() {
        String property = System.getProperty("endure.test.pg.defaultUrl");
        if (property != null && !property.isBlank()) {
            return property;
        }
        String environment = System.getenv("ENDURE_TEST_PG_DEFAULT_URL");
        return environment != null && !environment.isBlank() ? environment : DEFAULT_PG_URL;
    }

    private static String withPostgresUser(String url) {
        return url.contains("user=") ? url : url + (url.contains("?") ? "&" : "?") + "user=postgres";
    }

    private static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    }

    /** A URL without its password, for messages. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /** A database for one test: its kind ({@code postgresql}, {@code mariadb}, {@code h2}), URL and pool-less DataSource. */
    public record TestDatabase(String kind, String url, DataSource dataSource) {}
}
