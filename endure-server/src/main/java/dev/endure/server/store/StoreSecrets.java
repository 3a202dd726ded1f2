package dev.endure.server.store;

import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.server.config.ConfigException;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which key seals endpoints' signing secrets at rest: {@code secret.key} ({@code ENDURE_SECRET_KEY}),
 * else {@code secret.keyFile}, else (embedded store only) {@code store.dataDir/secret.key}, created on
 * first start. A server on a shared database without a key refuses to start unless
 * {@code secret.allowClear} says clear storage is accepted.
 */
public final class StoreSecrets {

    private static final Logger LOG = LoggerFactory.getLogger(StoreSecrets.class);
    /** The key file the embedded store keeps next to its database. */
    public static final String EMBEDDED_KEY_FILE = "secret.key";

    private StoreSecrets() {}

    /**
     * The cipher to seal with, or null when secrets stay in clear (allowed explicitly).
     *
     * @throws ConfigException one line naming the setting, never the key
     */
    public static SecretCipher cipher(ServerConfig config) {
        String text = config.string(ConfigKey.SECRET_KEY);
        String file = config.string(ConfigKey.SECRET_KEY_FILE);
        if (!text.isBlank() && !file.isBlank()) {
            throw fail(ConfigKey.SECRET_KEY.path() + ": set either " + ConfigKey.SECRET_KEY.environmentVariable() + " or "
                    + ConfigKey.SECRET_KEY_FILE.path() + ", not both");
        }
        try {
            if (!text.isBlank()) {
                return SecretCipher.parse(text);
            }
            if (!file.isBlank()) {
                return SecretCipher.readFile(Path.of(file));
            }
            if (config.embeddedStore()) {
                return SecretCipher.readOrCreateFile(config.dataDir().toAbsolutePath().resolve(EMBEDDED_KEY_FILE));
            }
        } catch (IllegalArgumentException e) {
            throw fail((text.isBlank() ? ConfigKey.SECRET_KEY_FILE.path() : ConfigKey.SECRET_KEY.path()) + ": " + e.getMessage());
        }
        if (config.flag(ConfigKey.SECRET_ALLOW_CLEAR)) {
            LOG.warn("signing secrets are stored in clear ({} is true); set {} to encrypt them", ConfigKey.SECRET_ALLOW_CLEAR.path(),
                    ConfigKey.SECRET_KEY.environmentVariable());
            return null;
        }
        throw fail(ConfigKey.SECRET_KEY.path() + ": a server on a shared database (store.url) needs a key to encrypt signing secrets:"
                + " set " + ConfigKey.SECRET_KEY.environmentVariable() + " (e.g. `openssl rand -base64 32`) or "
                + ConfigKey.SECRET_KEY_FILE.path() + ", or " + ConfigKey.SECRET_ALLOW_CLEAR.path() + ": true to store them in clear");
    }

    /** {@code store} sealing with {@code cipher}; rows in clear or under an older key are re-encrypted now. */
    public static JdbcDeliveryStore seal(JdbcDeliveryStore store, SecretCipher cipher) {
        if (cipher == null) {
            return store;
        }
        JdbcDeliveryStore sealing = store.sealingSecrets(cipher);
        int resealed = sealing.resealSecrets();
        if (resealed > 0) {
            LOG.info("encrypted the signing secrets of {} endpoints under key {}", resealed, cipher.currentKeyId());
        }
        return sealing;
    }

    private static ConfigException fail(String line) {
        return new ConfigException(List.of(line));
    }
}
