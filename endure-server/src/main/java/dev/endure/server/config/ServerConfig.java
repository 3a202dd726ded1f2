package dev.endure.server.config;

import dev.endure.server.auth.ApiKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The server's settings, immutable: every {@link ConfigKey} with its value (default, file, environment
 * or command line, in rising precedence) and the configured API keys.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.defaults().with(ConfigKey.SERVER_PORT, 0).with(ConfigKey.STORE_URL, pgUrl);
 * }</pre>
 */
public final class ServerConfig {

    private final Map<ConfigKey, Object> values;
    private final List<ApiKey> apiKeys;

    ServerConfig(Map<ConfigKey, Object> values, List<ApiKey> apiKeys) {
        this.values = Map.copyOf(values);
        this.apiKeys = List.copyOf(apiKeys);
    }

    /** Every key at its default, no API keys. */
    public static ServerConfig defaults() {
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, key.convert(key.defaultText()));
        }
        return new ServerConfig(values, List.of());
    }

    /** A copy with one value changed; the value is checked like one from the file. */
    public ServerConfig with(ConfigKey key, Object value) {
        Map<ConfigKey, Object> copy = new EnumMap<>(values);
        copy.put(key, value instanceof String text ? key.convert(text) : value);
        return new ServerConfig(copy, apiKeys);
    }

    public ServerConfig withApiKeys(List<ApiKey> keys) {
        return new ServerConfig(values, keys);
    }

    public Object get(ConfigKey key) {
        return values.get(key);
    }

    public String string(ConfigKey key) {
        return (String) values.get(key);
    }

    public int integer(ConfigKey key) {
        return ((Number) values.get(key)).intValue();
    }

    public double number(ConfigKey key) {
        return ((Number) values.get(key)).doubleValue();
    }

    public boolean flag(ConfigKey key) {
        return (Boolean) values.get(key);
    }

    public Duration duration(ConfigKey key) {
        return (Duration) values.get(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(ConfigKey key) {
        return (List<String>) values.get(key);
    }

    public List<ApiKey> apiKeys() {
        return apiKeys;
    }

    public String host() {
        return string(ConfigKey.SERVER_HOST);
    }

    public int port() {
        return integer(ConfigKey.SERVER_PORT);
    }

    /** Whether the store is the embedded PostgreSQL under {@code store.dataDir} (no {@code store.url}). */
    public boolean embeddedStore() {
        return string(ConfigKey.STORE_URL).isBlank();
    }

    public Path dataDir() {
        return Path.of(string(ConfigKey.STORE_DATA_DIR));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("ServerConfig[");
        for (ConfigKey key : ConfigKey.values()) {
            Object value = values.get(key);
            text.append(key.path()).append('=').append(key.type() == ConfigKey.Type.SECRET && !"".equals(value) ? "***" : value).append(' ');
        }
        return text.append(apiKeys.size()).append(" API keys]").toString();
    }
}
