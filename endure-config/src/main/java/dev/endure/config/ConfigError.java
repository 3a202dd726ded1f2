package dev.endure.config;

/**
 * One thing wrong with a configuration: where (the key path and, when known, the line and column),
 * what was written there, and the rule it breaks. Values under secret-looking keys are masked.
 *
 * <p>{@link #message()} reads {@code policies.billing.retry.maxAttempts: must be at least 1 (was 0)}.
 *
 * @param path the key path, e.g. {@code policies.billing.retry.maxAttempts}, or {@code (root)}
 * @param value what was written, as shown to people ({@code 0}, {@code "10 ms"}, {@code ****}); null
 *     when the rule is not about a value (an unknown or a missing key)
 * @param rule the rule, e.g. {@code must be at least 1}
 * @param source the file or text the error comes from, e.g. {@code billing.yaml}
 * @param line the line, from 1; 0 when unknown (a tree handed in without positions)
 * @param column the column, from 1; 0 when unknown
 */
public record ConfigError(String path, String value, String rule, String source, int line, int column) {

    /** {@code path: rule (was value)}, without the position. */
    public String message() {
        return path + ": " + rule + (value == null ? "" : " (was " + value + ")");
    }

    /** {@link #message()} followed by the source and position, when known. */
    @Override
    public String toString() {
        if (line <= 0) {
            return message() + " [" + source + "]";
        }
        return message() + " [" + source + ", line " + line + ", column " + column + "]";
    }
}
