package dev.endure.config.internal;

import dev.endure.config.ConfigError;
import dev.endure.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every error of one load, so the caller learns all of them at once. Masks values under
 * secret-looking keys as they are added, so no later code path can leak one.
 */
public final class Problems {

    private final String source;
    private final List<ConfigError> errors = new ArrayList<>();

    public Problems(String source) {
        this.source = source;
    }

    public String source() {
        return source;
    }

    /** An error about the value {@code node} written at {@code path}. */
    public void add(String path, Node node, String rule) {
        add(path, node == null ? null : show(path, node), rule, node == null ? Node.Location.UNKNOWN : node.location());
    }

    /** An error with no value to show (a missing key, a syntax error). */
    public void addWithoutValue(String path, String rule, Node.Location location) {
        add(path, null, rule, location);
    }

    private void add(String path, String value, String rule, Node.Location location) {
        errors.add(new ConfigError(path.isEmpty() ? "(root)" : path, value, rule, source, location.line(), location.column()));
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public List<ConfigError> errors() {
        return List.copyOf(errors);
    }

    /** Throws a {@link ConfigException} with every error so far, if there is any. */
    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new ConfigException(source, errors);
        }
    }

    /** How a value is shown in an error: its source text, strings quoted, secrets masked. */
    public static String show(String path, Node node) {
        if (Secrets.isSecretPath(path)) {
            return Secrets.MASK;
        }
        if (node instanceof Node.ScalarNode scalar) {
            if (scalar.kind() == Node.ScalarNode.Kind.STRING) {
                String text = String.valueOf(scalar.value());
                if (Secrets.looksSecret(text)) {
                    return Secrets.MASK;
                }
                // Long values are cut: an error line must stay readable, and a pasted blob is rarely the point.
                return '"' + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + '"';
            }
            return scalar.text();
        }
        return node.describe();
    }
}
