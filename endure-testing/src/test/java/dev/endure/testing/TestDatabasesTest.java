package dev.endure.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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

    @Test
    void redactsPasswordsInMessages() {
        assertThat(TestDatabases.redact("jdbc:postgresql://h/db?user=u&password=s3cret&ssl=false"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=false");
    }
}
