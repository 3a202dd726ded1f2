package dev.endure.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A fresh machine has no PostgreSQL: the suite must then start an embedded one (as root too). This class
 * runs in its own surefire execution (see this module's pom) whose local default points at a closed port,
 * so the fallback is exercised on every build, not only on machines without PostgreSQL.
 */
class EmbeddedPostgresFallbackTest {

    @Test
    @EnabledIfSystemProperty(named = "endure.test.pg.defaultUrl", matches = ".+",
            disabledReason = "runs in the embedded-fallback surefire execution, which points the local default at a closed port")
    void fallsBackToAnEmbeddedPostgresWhenTheLocalOneDoesNotAnswer() throws Exception {
        String unreachable = System.getProperty("endure.test.pg.defaultUrl");
        assertThat(unreachable).as("set by the embedded-fallback execution in endure-testing/pom.xml")
                .isEqualTo("jdbc:postgresql://127.0.0.1:1/test");

        String base = TestDatabases.postgresBaseUrl();

        assertThat(base).doesNotStartWith(unreachable).startsWith("jdbc:postgresql://localhost:");
        try (Connection connection = TestDatabases.postgres().dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_setting('server_version_num')::int")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).as("the embedded PostgreSQL's version").isGreaterThanOrEqualTo(140000);
        }
    }
}
