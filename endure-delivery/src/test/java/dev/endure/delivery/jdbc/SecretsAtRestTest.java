package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.delivery.Endpoint;
import dev.endure.delivery.StoreDatabases;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 18: signing secrets were stored in clear in endure_endpoint.signing_keys. On PostgreSQL and H2. */
class SecretsAtRestTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final String KEY_A = SecretCipher.newKeyText();
    private static final String KEY_B = SecretCipher.newKeyText();

    @AfterAll
    static void closePools() {
        StoreDatabases.closeAll();
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void theTableHoldsNoSecretAndTheStoreReadsItBack(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore plain = JdbcDeliveryStore.migrate(data);
        JdbcDeliveryStore store = plain.sealingSecrets(SecretCipher.parse(KEY_A));
        WebhookSecret first = WebhookSecret.generate();
        WebhookSecret second = WebhookSecret.generate();
        Endpoint endpoint = Endpoint.of("ep_1", URI.create("https://hooks.example.com/1"), first);
        store.createEndpoint(endpoint, NOW);
        store.updateEndpoint(endpoint.withSigningKeys(endpoint.signingKeys().rotate(second, Duration.ofHours(1), NOW)));

        String column = column(data, "ep_1");
        assertThat(column).startsWith(SecretCipher.PREFIX).doesNotContain("whsec_")
                .doesNotContain(first.encoded().substring(6)).doesNotContain(second.encoded().substring(6));
        assertThat(store.endpoint("ep_1").orElseThrow().signingKeys().current()).isEqualTo(second);
        assertThat(store.endpoint("ep_1").orElseThrow().signingKeys().all()).hasSize(2);
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void aV1aKeyPairIsStoredSealedAndReadBackWhole(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(data).sealingSecrets(SecretCipher.parse(KEY_A));
        dev.endure.delivery.signing.Ed25519SigningKey pair = dev.endure.delivery.signing.Ed25519SigningKey.generate();
        WebhookSecret before = WebhookSecret.generate();
        Endpoint endpoint = Endpoint.of("ep_a", URI.create("https://hooks.example.com/a"), before);
        store.createEndpoint(endpoint, NOW);
        // A rotation may switch the scheme: the v1 secret signs on during the overlap.
        store.updateEndpoint(endpoint.withSigningKeys(endpoint.signingKeys().rotate(pair, Duration.ofHours(1), NOW)));

        assertThat(column(data, "ep_a")).startsWith(SecretCipher.PREFIX).doesNotContain("whsk_")
                .doesNotContain(pair.encoded().substring(5, 30)).doesNotContain(pair.publicKey().encoded().substring(5, 30));
        Endpoint read = store.endpoint("ep_a").orElseThrow();
        assertThat(read.signingKeys().current()).isEqualTo(pair);
        assertThat(read.signingKeys().signingAt(NOW)).containsExactly(pair, before);
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void aRotationKeepsOldRowsReadableAndReencryptsThemUnderTheNewKey(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore plain = JdbcDeliveryStore.migrate(data);
        WebhookSecret secret = WebhookSecret.generate();
        plain.sealingSecrets(SecretCipher.parse(KEY_A))
                .createEndpoint(Endpoint.of("ep_r", URI.create("https://hooks.example.com/r"), secret), NOW);
        String underA = column(data, "ep_r");

        JdbcDeliveryStore rotated = plain.sealingSecrets(SecretCipher.parse(KEY_B + "," + KEY_A));
        assertThat(rotated.endpoint("ep_r").orElseThrow().signingKeys().current()).isEqualTo(secret);
        assertThat(rotated.resealSecrets()).isEqualTo(1);
        assertThat(rotated.resealSecrets()).isZero();
        assertThat(column(data, "ep_r")).isNotEqualTo(underA).startsWith(SecretCipher.PREFIX + SecretCipher.parse(KEY_B).currentKeyId());

        // The old key can now go.
        JdbcDeliveryStore onlyNew = plain.sealingSecrets(SecretCipher.parse(KEY_B));
        assertThat(onlyNew.endpoint("ep_r").orElseThrow().signingKeys().current()).isEqualTo(secret);
        JdbcDeliveryStore onlyOld = plain.sealingSecrets(SecretCipher.parse(KEY_A));
        assertThatThrownBy(() -> onlyOld.endpoint("ep_r")).hasMessageContaining("ep_r")
                .hasMessageContaining(SecretCipher.parse(KEY_B).currentKeyId()).hasMessageNotContaining(KEY_A);
        assertThatThrownBy(() -> plain.endpoint("ep_r"))
                .hasMessageContaining("no encryption key is configured");
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void rowsWrittenInClearAreEncryptedByTheFirstReseal(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore plain = JdbcDeliveryStore.migrate(data);
        WebhookSecret secret = WebhookSecret.generate();
        plain.createEndpoint(Endpoint.of("ep_c", URI.create("https://hooks.example.com/c"), secret), NOW);
        assertThat(column(data, "ep_c")).contains(secret.encoded());

        JdbcDeliveryStore sealing = plain.sealingSecrets(SecretCipher.parse(KEY_A));
        assertThat(sealing.endpoint("ep_c").orElseThrow().signingKeys().current()).isEqualTo(secret);
        assertThat(sealing.resealSecrets()).isEqualTo(1);
        assertThat(column(data, "ep_c")).doesNotContain(secret.encoded().substring(6)).startsWith(SecretCipher.PREFIX);
        assertThat(sealing.endpoint("ep_c").orElseThrow().signingKeys().current()).isEqualTo(secret);
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void aSealedValueCopiedToAnotherEndpointDoesNotOpen(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore plain = JdbcDeliveryStore.migrate(data);
        JdbcDeliveryStore store = plain.sealingSecrets(SecretCipher.parse(KEY_A));
        store.createEndpoint(Endpoint.of("ep_x", URI.create("https://hooks.example.com/x"), WebhookSecret.generate()), NOW);
        store.createEndpoint(Endpoint.of("ep_y", URI.create("https://hooks.example.com/y"), WebhookSecret.generate()), NOW);
        try (Connection connection = data.getConnection();
                PreparedStatement copy = connection.prepareStatement("UPDATE endure_endpoint SET signing_keys = ? WHERE id = 'ep_y'")) {
            copy.setString(1, column(data, "ep_x"));
            copy.executeUpdate();
        }
        assertThatThrownBy(() -> store.endpoint("ep_y")).hasMessageContaining("ep_y").hasMessageContaining("altered or moved");
    }

    private static String column(DataSource data, String id) throws SQLException {
        try (Connection connection = data.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT signing_keys FROM endure_endpoint WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }
}
