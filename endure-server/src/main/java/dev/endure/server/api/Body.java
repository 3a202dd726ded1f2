package dev.endure.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
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

    private final JsonNode root;
    private final String prefix;
    private final List<FieldError> errors;
    private final Set<String> read = new LinkedHashSet<>();

    private Body(JsonNode root, String prefix, List<FieldError> errors) {
        this.root = root;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** Parses a request body that must be a JSON object; bad JSON is a 400 naming line and column. */
    public static Body parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiException.invalid("$", "the request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.read(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
            throw ApiException.invalid("$", "not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("$", "the request body must be a JSON object");
        }
        return new Body(root, "", new ArrayList<>());
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

    public String requiredString(String field) {
        String value = optionalString(field, 1, 2048).orElse(null);
        if (value == null && root.get(field) == null) {
            error(field, "is required");
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
        String text = node.textValue();
        if (text.length() < minLength || text.length() > maxLength) {
            error(field, "must be " + minLength + " to " + maxLength + " characters (was " + text.length() + ")");
            return Optional.empty();
        }
        return Optional.of(text);
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

    /** A duration as ISO-8601 ({@code PT30S}) or a number with a unit ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 10h}). */
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
        Optional<String> text = optionalString(field, 1, 64);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text.get()));
        } catch (DateTimeParseException e) {
            error(field, "must be an ISO-8601 UTC time such as 2025-01-31T21:30:00Z (was " + text.get() + ")");
            return Optional.empty();
        }
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
            if (!node.get(i).isTextual()) {
                errors.add(new FieldError(path(field) + "[" + i + "]", "must be a string"));
            } else {
                values.add(node.get(i).textValue());
            }
        }
        return values;
    }

    /** A required array of objects, each read by the same rules, its errors named {@code field[i].inner}. */
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
        List<Body> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                errors.add(new FieldError(path(field) + "[" + i + "]", "must be an object"));
            } else {
                items.add(new Body(node.get(i), path(field) + "[" + i + "].", errors));
            }
        }
        return items;
    }

    /** Any JSON value, returned as it was sent (the webhook payload). */
    public JsonNode requiredAny(String field) {
        read.add(field);
        JsonNode node = root.get(field);
        if (node == null) {
            error(field, "is required");
        }
        return node;
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
        return Optional.of(new Body(node, path(field) + ".", errors));
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
                String hint = Suggestion.closest(name, read).map(s -> "; did you mean '" + s + "'?").orElse("");
                error(name, "is not a known field" + hint);
            }
        }
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
