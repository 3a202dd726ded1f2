package dev.endure.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.config.DurationText;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A JSON request body read field by field. Every read records its problem instead of throwing, so
 * {@link #finish()} answers all of a request's mistakes in one 400, unknown fields included.
 *
 * <pre>{@code
 * Body body = Body.parse(ctx.bodyAsBytes());
 * String url = body.requiredString("url");
 * int limit = body.optionalInt("maxConcurrency", 0, 10_000).orElse(0);
 * body.finish();                                     // throws ApiException(400) listing every error
 * }</pre>
 */
public final class Body {

    /** The earliest and latest time a request may name: what every store can hold as epoch milliseconds. */
    static final Instant EARLIEST = Instant.EPOCH;
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final JsonNode root;
    private final String text;
    private final String prefix;
    private final List<FieldError> errors;
    private final Set<String> read = new LinkedHashSet<>();

    private Body(JsonNode root, String text, String prefix, List<FieldError> errors) {
        this.root = root;
        this.text = text;
        this.prefix = prefix;
        this.errors = errors;
    }

    /**
     * Parses a request body that must be a JSON object in UTF-8; bad JSON is a 400 naming line and
     * column, bytes that are not UTF-8 are a 400 naming the offset (never replaced with U+FFFD), and a
     * string holding half a UTF-16 surrogate pair is a 400 naming its field.
     */
    public static Body parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiException.invalid("$", "the request body is empty; send a JSON object");
        }
        String text = JsonText.decodeUtf8(bytes);
        JsonNode root;
        try {
            root = Json.read(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                    : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
            throw ApiException.invalid("$", "not valid JSON" + where + ": " + Json.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("$", "the request body must be a JSON object");
        }
        List<FieldError> errors = new ArrayList<>();
        JsonText.findUnpairedSurrogates(root, "", errors);
        return new Body(root, text, "", errors);
    }

    /** An ISO-8601 UTC time every store can hold, or empty. */
    static Optional<Instant> parseInstant(String value) {
        try {
            Instant instant = Instant.parse(value);
            return instant.isBefore(EARLIEST) || instant.isAfter(LATEST) ? Optional.empty() : Optional.of(instant);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Why a short text field cannot be stored as it is, or null: control characters (NUL above all) break stores, logs and headers. */
    static String controlCharacterProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "must not contain control characters (found U+" + String.format("%04X", (int) c) + " at index " + i + ")";
            }
        }
        return null;
    }

    private String path(String field) {
        return prefix + field;
    }

    private JsonNode take(String field) {
        read.add(field);
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node;
    }

    private void error(String field, String message) {
        errors.add(new FieldError(path(field), message));
    }

    public boolean has(String field) {
        return root.hasNonNull(field);
    }

    /** Whether the field is given as JSON {@code null} (in a change: "reset to the default"), not left out. */
    public boolean isExplicitNull(String field) {
        return root.has(field) && root.get(field).isNull();
    }

    public String requiredString(String field) {
        String value = optionalString(field, 1, 2048).orElse(null);
        if (value == null && !root.hasNonNull(field)) {
            error(field, root.has(field) ? "is required (was null)" : "is required");
        }
        return value;
    }

    public Optional<String> optionalString(String field, int minLength, int maxLength) {
        JsonNode node = take(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            error(field, "must be a string (was " + node.getNodeType().name().toLowerCase() + ")");
            return Optional.empty();
        }
        String value = node.textValue();
        if (value.length() < minLength || value.length() > maxLength) {
            error(field, "must be " + minLength + " to " + maxLength + " characters (was " + value.length() + ")");
            return Optional.empty();
        }
        String control = controlCharacterProblem(value);
        if (control != null) {
            error(field, control);
            return Optional.empty();
        }
        return Optional.of(value);
    }

    public Optional<Integer> optionalInt(String field, int min, int max) {
        JsonNode node = take(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            error(field, "must be a whole number (was " + node + ")");
            return Optional.empty();
        }
        int value = node.intValue();
        if (value < min || value > max) {
            error(field, "must be between " + min + " and " + max + " (was " + value + ")");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    public Optional<Double> optionalNumber(String field, double min, double max) {
        JsonNode node = take(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isNumber()) {
            error(field, "must be a number (was " + node + ")");
            return Optional.empty();
        }
        double value = node.doubleValue();
        if (!(value >= min && value <= max)) {
            error(field, "must be between " + min + " and " + max + " (was " + value + ")");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    public Optional<Boolean> optionalBoolean(String field) {
        JsonNode node = take(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            error(field, "must be true or false (was " + node + ")");
            return Optional.empty();
        }
        return Optional.of(node.booleanValue());
    }

    /** A duration in endure-config's grammar: {@code 500ms}, {@code 30s}, {@code 1h30m}, or ISO-8601 ({@code PT30S}). */
    public Optional<Duration> optionalDuration(String field, Duration min, Duration max) {
        Optional<String> text = optionalString(field, 1, 64);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            Duration value = DurationText.parse(text.get());
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                error(field, "must be between " + DurationText.format(min) + " and " + DurationText.format(max) + " (was " + text.get() + ")");
                return Optional.empty();
            }
            return Optional.of(value);
        } catch (IllegalArgumentException e) {
            error(field, e.getMessage());
            return Optional.empty();
        }
    }

    public Optional<Instant> optionalInstant(String field) {
        Optional<String> value = optionalString(field, 1, 64);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> instant = parseInstant(value.get());
        if (instant.isEmpty()) {
            error(field, "must be an ISO-8601 UTC time between 1970 and 9999 such as 2025-01-31T21:30:00Z (was " + value.get() + ")");
        }
        return instant;
    }

    public Optional<URI> optionalUrl(String field) {
        Optional<String> text = optionalString(field, 1, 2048);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text.get());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                error(field, "must be an absolute http or https URL with a host (was " + text.get() + ")");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            error(field, "is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
            return Optional.empty();
        }
    }

    public List<String> optionalStringList(String field, int maxItems) {
        JsonNode node = take(field);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            error(field, "must be an array of strings");
            return List.of();
        }
        if (node.size() > maxItems) {
            error(field, "must have at most " + maxItems + " items (had " + node.size() + ")");
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String control = node.get(i).isTextual() ? controlCharacterProblem(node.get(i).textValue()) : null;
            if (!node.get(i).isTextual()) {
                errors.add(new FieldError(path(field) + "[" + i + "]", "must be a string"));
            } else if (control != null) {
                errors.add(new FieldError(path(field) + "[" + i + "]", control));
            } else {
                values.add(node.get(i).textValue());
            }
        }
        return values;
    }

    /**
     * Any JSON value of a top-level field, as the exact text the client sent (the webhook payload):
     * never re-serialised, so {@code 1e400} and {@code 12345678901234567.89} reach the receiver unchanged
     * and the signature covers what was sent. Null when the field is missing (recorded as an error).
     */
    public String requiredRawJson(String field) {
        read.add(field);
        if (root.get(field) == null) {
            error(field, "is required");
            return null;
        }
        if (text == null) {
            throw new IllegalStateException("raw JSON is kept for top-level fields and batch items only");
        }
        return JsonText.rawText(text, field);
    }

    /**
     * A required array of objects (a batch), each read by the same rules with its errors named
     * {@code field[i].inner}; each item keeps its source text, so its {@link #requiredRawJson} is exact too.
     */
    public List<Body> requiredObjectList(String field, int maxItems) {
        JsonNode node = take(field);
        if (node == null) {
            error(field, "is required");
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            error(field, "must be a non-empty array of objects");
            return List.of();
        }
        if (node.size() > maxItems) {
            error(field, "must have at most " + maxItems + " items (had " + node.size() + ")");
            return List.of();
        }
        List<String> texts = text == null ? null : JsonText.rawElements(text, field);
        List<Body> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                errors.add(new FieldError(path(field) + "[" + i + "]", "must be an object"));
            } else {
                items.add(new Body(node.get(i), texts == null ? null : texts.get(i), path(field) + "[" + i + "].", errors));
            }
        }
        return items;
    }

    /** A nested object read by the same rules, its errors named {@code field.inner}. */
    public Optional<Body> optionalObject(String field) {
        JsonNode node = take(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            error(field, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new Body(node, null, path(field) + ".", errors));
    }

    /** Records a problem found by the caller (a cross-field rule), named like the others. */
    public void reject(String field, String message) {
        error(field, message);
    }

    /** Unknown fields are errors (a misspelt optional field must not be silently ignored). */
    public void checkNoUnknownFields() {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!read.contains(name)) {
                String hint = dev.endure.config.ConfigDocument.closest(name, read).map(s -> "; did you mean '" + s + "'?").orElse("");
                error(name, "is not a known field" + hint);
            }
        }
    }

    /** Whether {@link #finish()} would throw now: an error recorded so far, or a field nothing read. */
    public boolean failing() {
        if (!errors.isEmpty()) {
            return true;
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            if (!read.contains(names.next())) {
                return true;
            }
        }
        return false;
    }

    /** Throws one 400 with every error recorded so far, nested objects included. */
    public void finish() {
        checkNoUnknownFields();
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    /** For nested bodies: the unknown-field check without throwing (the outer {@link #finish()} throws). */
    public void finishNested() {
        checkNoUnknownFields();
    }
}
