package dev.endure.config;

import java.util.List;

/**
 * A configuration could not be loaded. Carries every error found, not just the first, so one edit
 * fixes the file; the message lists them all, one per line.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    public ConfigException(String source, List<ConfigError> errors) {
        super(render(source, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** Every error, in the order the file was read. */
    public List<ConfigError> errors() {
        return errors;
    }

    private static String render(String source, List<ConfigError> errors) {
        StringBuilder text = new StringBuilder()
                .append(errors.size() == 1 ? "1 error" : errors.size() + " errors")
                .append(" in ").append(source).append(':');
        for (ConfigError error : errors) {
            text.append("\n  - ").append(error.message());
            if (error.line() > 0) {
                text.append(" (line ").append(error.line()).append(", column ").append(error.column()).append(')');
            }
        }
        return text.toString();
    }
}
