package dev.endure.server.config;

import dev.endure.config.DurationText;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every setting the server reads: its path in the YAML file, the environment variable that
 * overrides it, its type, default and meaning. One table, so the loader, the error messages and
 * the README's config reference cannot disagree.
 */
public enum ConfigKey {
    SERVER_HOST("server.host", Type.STRING, "127.0.0.1", "address to listen on (0.0.0.0 for every interface)"),
    SERVER_PORT("server.port", Type.INT, "8080", "HTTP port (0 picks a free one)"),
    SERVER_SHUTDOWN_GRACE("server.shutdownGrace", Type.DURATION, "30s", "how long in-flight deliveries may finish after SIGTERM"),
    STORE_URL("store.url", Type.STRING, "", "JDBC URL; empty means embedded H2 under store.dataDir (--db sets it)"),
    STORE_DATA_DIR("store.dataDir", Type.STRING, "./endure-data", "directory of the embedded H2 store"),
    STORE_USER("store.user", Type.STRING, "", "database user"),
    STORE_PASSWORD("store.password", Type.SECRET, "", "database password (never printed)"),
    STORE_POOL_SIZE("store.poolSize", Type.INT, "10", "JDBC connections per server process"),
    DELIVERY_MAX_PAYLOAD_BYTES("delivery.maxPayloadBytes", Type.INT, "262144", "largest accepted request body; larger sends get 413"),
    DELIVERY_ALLOW_TARGETS("delivery.allowTargets", Type.LIST, "", "CIDRs exempt from the SSRF guard, e.g. 127.0.0.0/8 for local receivers"),
    WORKER_ENABLED("worker.enabled", Type.BOOLEAN, "true", "whether this process delivers (false: API only)"),
    WORKER_BATCH_SIZE("worker.batchSize", Type.INT, "32", "deliveries claimed per poll"),
    WORKER_CONCURRENCY("worker.concurrency", Type.INT, "16", "HTTP calls in flight per process"),
    WORKER_LEASE("worker.lease", Type.DURATION, "2m", "claim lease; an expired lease makes the delivery claimable again"),
    WORKER_POLL_INTERVAL("worker.pollInterval", Type.DURATION, "500ms", "idle wait between claims"),
    POLICY_INITIAL_INTERVAL("policy.initialInterval", Type.DURATION, "2m", "first retry delay (seed 003)"),
    POLICY_MULTIPLIER("policy.multiplier", Type.DOUBLE, "2.0", "growth of the delay per attempt"),
    POLICY_MAX_INTERVAL("policy.maxInterval", Type.DURATION, "60m", "cap on one delay"),
    POLICY_JITTER("policy.jitter", Type.DOUBLE, "0.25", "proportional jitter, 0 to 1"),
    POLICY_FLOOR("policy.floor", Type.DURATION, "1m", "smallest delay after jitter"),
    POLICY_MAX_DURATION("policy.maxDuration", Type.DURATION, "10h", "give up this long after the first attempt"),
    POLICY_MAX_ATTEMPTS("policy.maxAttempts", Type.INT, "20", "give up after this many attempts"),
    POLICY_TIMEOUT("policy.timeout", Type.DURATION, "30s", "timeout of one HTTP attempt"),
    POLICY_MAX_RETRY_AFTER("policy.maxRetryAfter", Type.DURATION, "1h", "cap on a receiver's Retry-After"),
    POLICY_MIN_FAILURE_SPAN("policy.minFailureSpan", Type.DURATION, "1h",
            "the failure-rate rule disables an endpoint only after its failures span this long"),
    DASHBOARD_SAMPLE_INTERVAL("dashboard.sampleInterval", Type.DURATION, "5s", "how often the queue-depth chart samples"),
    DASHBOARD_HISTORY("dashboard.historySamples", Type.INT, "720", "samples kept for the chart"),
    METRICS_REQUIRE_KEY("metrics.requireKey", Type.BOOLEAN, "false", "whether /metrics needs an API key with the read scope");

    /** How a value is written and checked. */
    public enum Type { STRING, SECRET, INT, DOUBLE, BOOLEAN, DURATION, LIST }

    private final String path;
    private final Type type;
    private final String defaultText;
    private final String meaning;

    ConfigKey(String path, Type type, String defaultText, String meaning) {
        this.path = path;
        this.type = type;
        this.defaultText = defaultText;
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

    /** {@code server.shutdownGrace} → {@code ENDURE_SERVER_SHUTDOWN_GRACE}. */
    public String environmentVariable() {
        return "ENDURE_" + path.replaceAll("([a-z])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** Checks and converts {@code text}; the error says what was expected, never echoing a secret. */
    Object convert(String text) {
        String value = text.trim();
        try {
            return switch (type) {
                case STRING, SECRET -> text;
                case INT -> {
                    int number = Integer.parseInt(value);
                    if (number < 0) {
                        throw new IllegalArgumentException("must not be negative (was " + number + ")");
                    }
                    yield number;
                }
                case DOUBLE -> {
                    double number = Double.parseDouble(value);
                    if (!(number >= 0) || Double.isInfinite(number)) {
                        throw new IllegalArgumentException("must be a finite number, not negative (was " + value + ")");
                    }
                    yield number;
                }
                case BOOLEAN -> {
                    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException("must be true or false (was '" + value + "')");
                    }
                    yield Boolean.parseBoolean(value);
                }
                case DURATION -> {
                    Duration duration;
                    try {
                        duration = DurationText.parse(value);
                    } catch (IllegalArgumentException bad) {
                        throw new IllegalArgumentException("must be a duration: " + bad.getMessage() + " (was '" + value + "')");
                    }
                    if (duration.isNegative()) {
                        throw new IllegalArgumentException("must not be negative (was " + value + ")");
                    }
                    yield duration;
                }
                case LIST -> value.isEmpty() ? List.of()
                        : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a " + (type == Type.INT ? "whole number" : "number") + " (was '"
                    + (type == Type.SECRET ? "***" : value) + "')");
        }
    }
}
