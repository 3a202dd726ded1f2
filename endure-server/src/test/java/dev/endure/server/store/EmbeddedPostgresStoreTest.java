package dev.endure.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default store flushes at commit, keeps its data across restarts, and stops only when told. */
class EmbeddedPostgresStoreTest {

    @TempDir
    Path dir;

    @Test
    void commitsAreFlushedToDiskAndSurviveARestartOnTheSameDirectory() throws Exception {
        try (EmbeddedPostgresStore store = EmbeddedPostgresStore.start(dir)) {
            try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), null);
                    Statement statement = connection.createStatement()) {
                // The embedding library starts PostgreSQL with fsync off for tests; the store must turn it back on.
                assertThat(setting(statement, "fsync")).isEqualTo("on");
                assertThat(setting(statement, "synchronous_commit")).isEqualTo("on");
                assertThat(setting(statement, "full_page_writes")).isEqualTo("on");
                statement.execute("CREATE TABLE kept (id int)");
                statement.execute("INSERT INTO kept VALUES (42)");
            }
        }
        try (EmbeddedPostgresStore store = EmbeddedPostgresStore.start(dir);
                Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(), null);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT id FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(42);
        }
    }

    private static String setting(Statement statement, String name) throws Exception {
        try (ResultSet row = statement.executeQuery("SHOW " + name)) {
            row.next();
            return row.getString(1);
        }
    }
}
