package dev.endure.server.config;

import dev.endure.config.ConfigDocument;
import dev.endure.config.DurationText;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every setting the server reads: its path in the YAML file, the environment variable that
 * overrides it, its type, default, allowed range and meaning. One table, so the loader, the error
 * messages and the README's config reference cannot disagree, and nothing is listed that is not read.
 */
public enum ConfigKey {
    SERVER_HOST("server.host", Type.STRING, "127.0.0.1", null, null, "address to listen on (0.0.0.0 for every interface)"),
    SERVER_PORT("server.port", Type.INT, "8080", "0", "65535", "HTTP port (0 picks a free one)"),
    SERVER_SHUTDOWN_GRACE("server.shutdownGrace", Type.DURATION, "30s", "0", "1d", "how long in-flight deliveries may finish after SIGTERM"),
    STORE_URL("store.url", Type.STRING, "", null, null, "JDBC URL; empty means the embedded PostgreSQL under store.dataDir (--db sets it)"),
    STORE_DATA_DIR("store.dataDir", Type.STRING, "./endure-data", null, null, "directory of the embedded PostgreSQL store (kept across restarts)"),
    STORE_USER("store.user", Type.STRING, "", null, null, "database user"),
    STORE_PASSWORD("store.password", Type.SECRET, "", null, null, "database password (never printed)"),
    STORE_POOL_SIZE("store.poolSize", Type.INT, "10", "1", "1000", "JDBC connections per server process"),
    DELIVERY_MAX_PAYLOAD_BYTES("delivery.maxPayloadBytes", Type.INT, "262144", "1", "104857600",
            "largest accepted request body; larger sends get 413"),
    DELIVERY_ALLOW_TARGETS("delivery.allowTargets", Type.LIST, "", null, null, "CIDRs exempt from the SSRF guard, e.g. 127.0.0.0/8 for local receivers"),
    WORKER_ENABLED("worker.enabled", Type.BOOLEAN, "true", null, null, "whether this process delivers (false: API only)"),
    WORKER_CONCURRENCY("worker.concurrency", Type.INT, "16", "1", "1024", "HTTP calls in flight per process"),
    WORKER_LEASE("worker.lease", Type.DURATION, "20s", "100ms", "1d",
            "claim lease, renewed every quarter of it while in flight; a dead node's claims move after it"),
    WORKER_POLL_INTERVAL("worker.pollInterval", Type.DURATION, "500ms", "1ms", "1h", "idle wait between claims"),
    POLICY_INITIAL("policy.initial", Type.DURATION, "2m", "1ms", "365d", "first retry delay (seed 003)"),
    POLICY_MULTIPLIER("policy.multiplier", Type.DOUBLE, "2.0", "1", "100", "growth of the delay per attempt"),
    POLICY_CAP("policy.cap", Type.DURATION, "60m", "1ms", "365d", "cap on one delay (not below initial)"),
    POLICY_JITTER("policy.jitter", Type.DOUBLE, "0.25", "0", "1", "proportional jitter, 0 to 1"),
    POLICY_FLOOR("policy.floor", Type.DURATION, "1m", "0", "365d", "smallest delay after jitter (not above cap)"),
    POLICY_MAX_DURATION("policy.maxDuration", Type.DURATION, "10h", "1ms", "365d", "give up this long after the first attempt"),
    POLICY_MAX_ATTEMPTS("policy.maxAttempts", Type.INT, "20", "1", "100000", "give up after this many attempts"),
    POLICY_TIMEOUT("policy.timeout", Type.DURATION, "30s", "1ms", "1d", "timeout of one HTTP attempt"),
    POLICY_MIN_FAILURE_SPAN("policy.minFailureSpan", Type.DURATION, "1h", "0", "1d",
            "the failure-rate disable needs failures spanning at least this long (besides 100 % over 24 h, >= 5 attempts, >= 3 in 24 h)"),
    POLICY_MAX_RETRY_AFTER("policy.maxRetryAfter", Type.DURATION, "1h", "1ms", "365d", "cap on a receiver's Retry-After"),
    DASHBOARD_SAMPLE_INTERVAL("dashboard.sampleInterval", Type.DURATION, "5s", "100ms", "1d", "how often the queue-depth chart samples"),
    DASHBOARD_HISTORY("dashboard.historySamples", Type.INT, "720", "1", "1000000", "samples kept for the chart"),
    METRICS_REQUIRE_KEY("metrics.requireKey", Type.BOOLEAN, "false", null, null, "whether /metrics needs an API key with the read scope"),
    RETENTION_PERIOD("retention.period", Type.DURATION, "30d", "1m", "3650d",
            "delivered and failed messages, with their attempts, are purged this long after they finished"),
    RETENTION_INTERVAL("retention.interval", Type.DURATION, "1m", "1s", "1d", "how often the purge runs"),
    RETENTION_BATCH_SIZE("retention.batchSize", Type.INT, "500", "1", "100000", "deliveries deleted per purge transaction"),
    SECRET_KEY("secret.key", Type.SECRET, "", null, null,
            "AES keys sealing signing secrets at rest: base64 of 32 bytes each, comma-separated, the current one first (rotation: new,old)"),
    SECRET_KEY_FILE("secret.keyFile", Type.STRING, "", null, null,
            "file holding those keys instead (one per line); the embedded store creates store.dataDir/secret.key when neither is set"),
    SECRET_ALLOW_CLEAR("secret.allowClear", Type.BOOLEAN, "false", null, null,
            "let a server on store.url keep signing secrets in clear when no key is set (otherwise it refuses to start)");

    /** How a value is written and checked. */
    public enum Type { STRING, SECRET, INT, DOUBLE, BOOLEAN, DURATION, LIST }

    private final String path;
    private final Type type;
    private final String defaultText;
    private final String min;
    private final String max;
    private final String meaning;

    ConfigKey(String path, Type type, String defaultText, String min, String max, String meaning) {
        this.path = path;
        this.type = type;
        this.defaultText = defaultText;
        this.min = min;
        this.max = max;
        this.meaning = meaning;
    }

    public String path() {
        return path;
    }

    public Type type() {
        return type;
    }

    public String defaultText() {
        return defaultText;
    }

    public String meaning() {
        return meaning;
    }

    /** The allowed range as the README shows it, e.g. {@code 0-65535}; empty when any value of the type goes. */
    public String range() {
        return min == null ? "" : min + " to " + max;
    }

    /** {@code server.shutdownGrace} → {@code ENDURE_SERVER_SHUTDOWN_GRACE}. */
    public String environmentVariable() {
        return "ENDURE_" + path.replaceAll("([a-z])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** The key at {@code path}, if the server reads one there. */
    public static java.util.Optional<ConfigKey> at(String path) {
        return Arrays.stream(values()).filter(key -> key.path.equals(path)).findFirst();
    }

    /**
     * Checks a value read from a file: its kind first (a port written {@code .nan} or {@code "80"} is
     * not a whole number), then as text.
     */
    Object convert(ConfigDocument.Value value) {
        boolean fits = switch (type) {
            case INT -> value.kind() == ConfigDocument.Kind.INTEGER;
            case DOUBLE -> value.kind() == ConfigDocument.Kind.INTEGER || value.kind() == ConfigDocument.Kind.DECIMAL;
            case BOOLEAN -> value.kind() == ConfigDocument.Kind.BOOLEAN;
            case DURATION -> value.kind() == ConfigDocument.Kind.STRING || value.kind() == ConfigDocument.Kind.INTEGER;
            case STRING, SECRET -> value.kind() != ConfigDocument.Kind.MAPPING && value.kind() != ConfigDocument.Kind.LIST;
            case LIST -> value.kind() == ConfigDocument.Kind.STRING;
        };
        if (!fits) {
            throw new IllegalArgumentException("must be " + expected() + ", not " + describe(value.kind()));
        }
        return convert(value.text());
    }

    /** Checks and converts {@code text} (a default, an environment variable, a command-line value). */
    Object convert(String text) {
        String value = text.strip();
        return switch (type) {
            case STRING, SECRET -> text;
            case INT -> {
                long number;
                try {
                    number = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be " + expected());
                }
                if (number < Long.parseLong(min) || number > Long.parseLong(max)) {
                    throw new IllegalArgumentException("must be " + range());
                }
                yield (int) number;
            }
            case DOUBLE -> {
                double number;
                try {
                    number = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be " + expected());
                }
                if (!Double.isFinite(number) || number < Double.parseDouble(min) || number > Double.parseDouble(max)) {
                    throw new IllegalArgumentException("must be a finite number from " + range());
                }
                yield number;
            }
            case BOOLEAN -> {
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("must be true or false");
                }
                yield Boolean.parseBoolean(value);
            }
            case DURATION -> {
                Duration duration;
                try {
                    duration = DurationText.parse(value);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("must be a duration such as 500ms, 30s or 1h30m: " + bad.getMessage());
                }
                if (duration.compareTo(DurationText.parse(min)) < 0 || duration.compareTo(DurationText.parse(max)) > 0) {
                    throw new IllegalArgumentException("must be " + range());
                }
                yield duration;
            }
            case LIST -> value.isEmpty() ? List.of()
                    : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        };
    }

    /** How a value is shown in an error: as written, secrets masked, long ones cut. */
    String show(String text) {
        if (type == Type.SECRET) {
            return "****";
        }
        String plain = text.replaceAll("\\p{Cntrl}", "?");
        return plain.length() > 80 ? plain.substring(0, 77) + "..." : plain;
    }

    private String expected() {
        return switch (type) {
            case INT -> "a whole number" + (min == null ? "" : " from " + range());
            case DOUBLE -> "a number" + (min == null ? "" : " from " + range());
            case BOOLEAN -> "true or false";
            case DURATION -> "a duration such as 500ms, 30s or 1h30m";
            case LIST -> "a list of strings";
            case STRING, SECRET -> "a string";
        };
    }

    private static String describe(ConfigDocument.Kind kind) {
        return switch (kind) {
            case STRING -> "a string";
            case INTEGER -> "a whole number";
            case DECIMAL -> "a decimal number";
            case BOOLEAN -> "a boolean";
            case LIST -> "a list";
            case MAPPING -> "a mapping";
        };
    }
}
