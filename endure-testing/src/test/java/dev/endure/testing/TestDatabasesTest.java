package dev.endure.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TestDatabasesTest {

    @Test
    void eachDatabaseIsFreshAndWritable() throws Exception {
        for (TestDatabases.TestDatabase database : new TestDatabases.TestDatabase[] {
                TestDatabases.postgres(), TestDatabases.h2(), TestDatabases.mariadb()}) {
            try (Connection connection = database.dataSource().getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE probe (id INT PRIMARY KEY)");
                statement.execute("INSERT INTO probe VALUES (42)");
                try (ResultSet rows = statement.executeQuery("SELECT id FROM probe")) {
                    assertThat(rows.next()).as(database.kind()).isTrue();
                    assertThat(rows.getInt(1)).as(database.kind()).isEqualTo(42);
                }
            }
        }
    }

    /**
     * Run with {@code -Dendure.test.pg.defaultUrl=jdbc:postgresql://127.0.0.1:1/test} (and no
     * {@code ENDURE_TEST_PG_URL}) to prove the embedded fallback works on this machine, as root included;
     * without that property the local PostgreSQL answers and there is nothing to fall back from.
     */
    @Test
    void fallsBackToAnEmbeddedPostgresWhenTheLocalOneDoesNotAnswer() throws Exception {
        String unreachable = System.getProperty("endure.test.pg.defaultUrl");
        Assumptions.assumeTrue(unreachable != null && System.getenv("ENDURE_TEST_PG_URL") == null,
                "set -Dendure.test.pg.defaultUrl to a closed port (and unset ENDURE_TEST_PG_URL) to test the embedded fallback");
        String base = TestDatabases.postgresBaseUrl();
        assertThat(base).doesNotStartWith(unreachable).startsWith("jdbc:postgresql://localhost:");
        try (Connection connection = TestDatabases.postgres().dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_setting('server_version_num')::int")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).as("the embedded PostgreSQL's version").isGreaterThanOrEqualTo(140000);
        }
    }

    @Test
    void redactsPasswordsInMessages() {
        assertThat(TestDatabases.redact("jdbc:postgresql://h/db?user=u&password=s3cret&ssl=false"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=false");
    }
}
