package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.server.config.ConfigException;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.store.StoreSecrets;
import dev.endure.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18: endure_endpoint.signing_keys held the signing secrets in clear. */
class SecretsAtRestServerTest {

    @TempDir
    Path dir;

    private ServerConfig onPostgres(TestDatabases.TestDatabase database, TestKeys keys) {
        return ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, database.url())
                .with(ConfigKey.STORE_POOL_SIZE, 2)
                .with(ConfigKey.WORKER_ENABLED, false)
                .with(ConfigKey.STORE_DATA_DIR, dir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .withApiKeys(keys.stored());
    }

    @Test
    void aServerOnPostgresStoresNoSecretInTheEndpointTable() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        TestKeys keys = new TestKeys();
        String secret;
        try (EndureServer server = EndureServer.start(onPostgres(database, keys).with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText()))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin);
            ApiClient.Answer created = api.post("/api/endpoints", "{\"id\":\"ep_sealed\",\"url\":\"http://127.0.0.1:9/in\"}");
            assertThat(created.status()).isEqualTo(201);
            secret = created.json().get("secret").asText();
            assertThat(api.get("/api/endpoints/ep_sealed").status()).isEqualTo(200);
        }
        String column = signingKeysColumn(database.dataSource(), "ep_sealed");
        assertThat(column).startsWith(SecretCipher.PREFIX).doesNotContain(secret).doesNotContain(secret.substring("whsec_".length()));
    }

    @Test
    void withoutAKeyAServerOnASharedDatabaseRefusesToStartInOneLineUnlessClearIsAllowed() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        TestKeys keys = new TestKeys();
        assertThatThrownBy(() -> EndureServer.start(onPostgres(database, keys)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("secret.key: ")
                .hasMessageContaining("ENDURE_SECRET_KEY").hasMessageContaining("secret.allowClear")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (EndureServer server = EndureServer.start(onPostgres(database, keys).with(ConfigKey.SECRET_ALLOW_CLEAR, true))) {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin);
            String secret = api.post("/api/endpoints", "{\"id\":\"ep_clear\",\"url\":\"http://127.0.0.1:9/in\"}").json().get("secret").asText();
            assertThat(signingKeysColumn(database.dataSource(), "ep_clear")).contains(secret);
        }
        // The next server with a key encrypts what was stored in clear, at start.
        try (EndureServer server = EndureServer.start(onPostgres(database, keys).with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText()))) {
            assertThat(signingKeysColumn(database.dataSource(), "ep_clear")).startsWith(SecretCipher.PREFIX);
            assertThat(new ApiClient(server.baseUrl(), keys.admin).get("/api/endpoints/ep_clear").status()).isEqualTo(200);
        }
    }

    @Test
    void aBadKeyIsOneLineNamingTheSettingAndNeverTheKey() {
        ServerConfig config = ServerConfig.defaults().with(ConfigKey.STORE_URL, "jdbc:postgresql://127.0.0.1:9/none");
        String shortKey = "c2hvcnQta2V5";
        assertThatThrownBy(() -> StoreSecrets.cipher(config.with(ConfigKey.SECRET_KEY, shortKey)))
                .hasMessage("secret.key: encryption key 1 must be base64 of 32 bytes, not 9");
        assertThatThrownBy(() -> StoreSecrets.cipher(config.with(ConfigKey.SECRET_KEY_FILE, dir.resolve("missing.key").toString())))
                .hasMessageStartingWith("secret.keyFile: cannot read the encryption key file");
    }

    @Test
    void theEmbeddedStoreMakesItsKeyFileInTheDataDirectoryOnce() throws Exception {
        ServerConfig embedded = ServerConfig.defaults().with(ConfigKey.STORE_DATA_DIR, dir.toString());
        SecretCipher first = StoreSecrets.cipher(embedded);
        Path file = dir.resolve(StoreSecrets.EMBEDDED_KEY_FILE);
        assertThat(file).exists();
        assertThat(StoreSecrets.cipher(embedded).currentKeyId()).isEqualTo(first.currentKeyId());
    }

    private static String signingKeysColumn(DataSource data, String id) throws Exception {
        try (Connection connection = data.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT signing_keys FROM endure_endpoint WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).as("endpoint row " + id).isTrue();
                return row.getString(1);
            }
        }
    }
}
