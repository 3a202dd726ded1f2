package dev.endure.server.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An event type's payload schema: a subset of JSON Schema 2020-12 checked when the event type is created
 * (an unsupported keyword is refused there, naming it, rather than silently ignored at every send) and
 * applied to each payload sent with the type. Every violation names the JSON pointer of the failing value.
 *
 * <p>Supported: {@code type}, {@code enum}, {@code const}; {@code properties}, {@code required},
 * {@code additionalProperties}, {@code minProperties}, {@code maxProperties}; {@code items}, {@code minItems},
 * {@code maxItems}, {@code uniqueItems}; {@code minimum}, {@code maximum}, {@code exclusiveMinimum},
 * {@code exclusiveMaximum}, {@code multipleOf}; {@code minLength}, {@code maxLength}, {@code pattern};
 * {@code allOf}, {@code anyOf}, {@code oneOf}, {@code not}; {@code $ref} to this schema's own {@code $defs}
 * (or any {@code #/...} pointer in it); boolean schemas. Annotations ({@code title}, {@code description},
 * {@code format}, {@code examples}, ...) are accepted and not checked.
 */
public final class PayloadSchema {

    /** One place a payload fails its schema: the JSON pointer of the value and what is wrong with it. */
    public record Violation(String pointer, String message) {}

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "$defs", "definitions", "title", "description",
            "default", "examples", "format", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding");
    private static final Set<String> ASSERTIONS = Set.of("type", "enum", "const", "properties", "required", "additionalProperties",
            "minProperties", "maxProperties", "items", "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "allOf", "anyOf", "oneOf", "not", "$ref");
    private static final Set<String> TYPES = Set.of("null", "boolean", "object", "array", "number", "integer", "string");
    private static final int MAX_DEPTH = 64;
    private static final int MAX_VIOLATIONS = 10;

    private final JsonNode root;
    private final Map<String, Pattern> patterns = new java.util.HashMap<>();

    private PayloadSchema(JsonNode root) {
        this.root = root;
    }

    /**
     * Checks a schema and prepares it for use.
     *
     * @throws InvalidSchemaException naming the JSON pointer in the schema of the first problem
     */
    public static PayloadSchema compile(JsonNode schema) {
        PayloadSchema compiled = new PayloadSchema(schema);
        compiled.check(schema, "");
        return compiled;
    }

    /** The violations of {@code payload}, at most ten, in document order; empty when it matches. */
    public List<Violation> validate(JsonNode payload) {
        List<Violation> violations = new ArrayList<>();
        apply(root, payload, "", violations, 0);
        return violations.size() > MAX_VIOLATIONS ? violations.subList(0, MAX_VIOLATIONS) : violations;
    }

    /** A schema that cannot be used, with where in it and why. */
    public static final class InvalidSchemaException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String pointer;

        InvalidSchemaException(String pointer, String message) {
            super((pointer.isEmpty() ? "at the schema's root" : "at " + pointer) + ": " + message);
            this.pointer = pointer;
        }

        public String pointer() {
            return pointer;
        }
    }

    // ---- checking the schema ------------------------------------------------------------------------

    private void check(JsonNode schema, String at) {
        if (schema.isBoolean()) {
            return;
        }
        if (!schema.isObject()) {
            throw new InvalidSchemaException(at, "a schema must be an object or a boolean");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String keyword = entry.getKey();
            JsonNode value = entry.getValue();
            String here = at + "/" + escape(keyword);
            if (ANNOTATIONS.contains(keyword)) {
                if ((keyword.equals("$defs") || keyword.equals("definitions")) && value.isObject()) {
                    value.fields().forEachRemaining(def -> check(def.getValue(), here + "/" + escape(def.getKey())));
                }
                continue;
            }
            if (!ASSERTIONS.contains(keyword)) {
                throw new InvalidSchemaException(here, "keyword '" + keyword + "' is not supported; supported: "
                        + String.join(", ", new java.util.TreeSet<>(ASSERTIONS)) + " (and annotations)");
            }
            checkKeyword(keyword, value, here);
        }
    }

    private void checkKeyword(String keyword, JsonNode value, String here) {
        switch (keyword) {
            case "type" -> {
                List<JsonNode> names = new ArrayList<>();
                if (value.isArray()) {
                    value.forEach(names::add);
                } else {
                    names.add(value);
                }
                for (JsonNode name : names) {
                    if (!name.isTextual() || !TYPES.contains(name.textValue())) {
                        throw new InvalidSchemaException(here, "must be one of " + new java.util.TreeSet<>(TYPES) + " or an array of them");
                    }
                }
            }
            case "enum" -> require(value.isArray(), here, "must be an array");
            case "properties" -> {
                require(value.isObject(), here, "must be an object of schemas");
                value.fields().forEachRemaining(p -> check(p.getValue(), here + "/" + escape(p.getKey())));
            }
            case "required" -> {
                require(value.isArray(), here, "must be an array of property names");
                value.forEach(name -> require(name.isTextual(), here, "must be an array of property names"));
            }
            case "additionalProperties", "items", "not" -> check(value, here);
            case "allOf", "anyOf", "oneOf" -> {
                require(value.isArray() && !value.isEmpty(), here, "must be a non-empty array of schemas");
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), here + "/" + i);
                }
            }
            case "minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength" ->
                    require(value.canConvertToInt() && value.isIntegralNumber() && value.intValue() >= 0, here, "must be a whole number, 0 or more");
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> require(value.isNumber(), here, "must be a number");
            case "multipleOf" -> require(value.isNumber() && value.decimalValue().signum() > 0, here, "must be a number above 0");
            case "uniqueItems" -> require(value.isBoolean(), here, "must be true or false");
            case "pattern" -> {
                require(value.isTextual(), here, "must be a regular expression");
                try {
                    patterns.put(value.textValue(), Pattern.compile(value.textValue()));
                } catch (PatternSyntaxException e) {
                    throw new InvalidSchemaException(here, "is not a valid regular expression: " + e.getDescription());
                }
            }
            case "$ref" -> {
                require(value.isTextual() && value.textValue().startsWith("#"), here,
                        "must point into this schema ('#/$defs/name'); other documents are not fetched");
                JsonNode target = target(value.textValue());
                require(target != null && !target.isMissingNode(), here, "points at nothing: " + value.textValue());
            }
            default -> { } // const: any value
        }
    }

    private static void require(boolean condition, String at, String message) {
        if (!condition) {
            throw new InvalidSchemaException(at, message);
        }
    }

    private JsonNode target(String ref) {
        String pointer = ref.substring(1);
        try {
            return pointer.isEmpty() ? root : root.at(pointer);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---- applying it ----------------------------------------------------------------------------------

    private boolean apply(JsonNode schema, JsonNode value, String at, List<Violation> out, int depth) {
        if (depth > MAX_DEPTH) {
            out.add(new Violation(at, "the schema nests (or refers to itself) more than " + MAX_DEPTH + " levels deep here"));
            return false;
        }
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                out.add(new Violation(at, "is not allowed here"));
            }
            return schema.booleanValue();
        }
        int before = out.size();
        JsonNode ref = schema.get("$ref");
        if (ref != null) {
            apply(target(ref.textValue()), value, at, out, depth + 1);
        }
        JsonNode type = schema.get("type");
        if (type != null && !hasType(value, type)) {
            out.add(new Violation(at, "must be " + (type.isArray() ? "one of " + type : type.textValue()) + " (was " + typeOf(value) + ")"));
            return false;
        }
        JsonNode enumeration = schema.get("enum");
        if (enumeration != null && !contains(enumeration, value)) {
            out.add(new Violation(at, "must be one of " + shorten(enumeration.toString()) + " (was " + shorten(value.toString()) + ")"));
        }
        JsonNode constant = schema.get("const");
        if (constant != null && !same(constant, value)) {
            out.add(new Violation(at, "must be " + shorten(constant.toString()) + " (was " + shorten(value.toString()) + ")"));
        }
        if (value.isObject()) {
            applyObject(schema, value, at, out, depth);
        } else if (value.isArray()) {
            applyArray(schema, value, at, out, depth);
        } else if (value.isNumber()) {
            applyNumber(schema, value.decimalValue(), at, out);
        } else if (value.isTextual()) {
            applyString(schema, value.textValue(), at, out);
        }
        applyCombinators(schema, value, at, out, depth);
        return out.size() == before;
    }

    private void applyObject(JsonNode schema, JsonNode value, String at, List<Violation> out, int depth) {
        JsonNode required = schema.get("required");
        if (required != null) {
            for (JsonNode name : required) {
                if (!value.has(name.textValue())) {
                    out.add(new Violation(at + "/" + escape(name.textValue()), "is required"));
                }
            }
        }
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String here = at + "/" + escape(field.getKey());
            JsonNode declared = properties == null ? null : properties.get(field.getKey());
            if (declared != null) {
                apply(declared, field.getValue(), here, out, depth + 1);
            } else if (additional != null) {
                if (additional.isBoolean() && !additional.booleanValue()) {
                    out.add(new Violation(here, "is not a property this schema allows"));
                } else {
                    apply(additional, field.getValue(), here, out, depth + 1);
                }
            }
        }
        bound(schema, "minProperties", value.size(), true, at, "must have at least %d properties (had %d)", out);
        bound(schema, "maxProperties", value.size(), false, at, "must have at most %d properties (had %d)", out);
    }

    private void applyArray(JsonNode schema, JsonNode value, String at, List<Violation> out, int depth) {
        JsonNode items = schema.get("items");
        if (items != null) {
            for (int i = 0; i < value.size(); i++) {
                apply(items, value.get(i), at + "/" + i, out, depth + 1);
            }
        }
        bound(schema, "minItems", value.size(), true, at, "must have at least %d items (had %d)", out);
        bound(schema, "maxItems", value.size(), false, at, "must have at most %d items (had %d)", out);
        if (schema.path("uniqueItems").asBoolean(false)) {
            Set<JsonNode> seen = new HashSet<>();
            for (int i = 0; i < value.size(); i++) {
                if (!seen.add(value.get(i))) {
                    out.add(new Violation(at + "/" + i, "repeats an earlier item; the items must be unique"));
                }
            }
        }
    }

    private static void applyNumber(JsonNode schema, BigDecimal number, String at, List<Violation> out) {
        compare(schema, "minimum", number, c -> c >= 0, "must be at least ", at, out);
        compare(schema, "maximum", number, c -> c <= 0, "must be at most ", at, out);
        compare(schema, "exclusiveMinimum", number, c -> c > 0, "must be above ", at, out);
        compare(schema, "exclusiveMaximum", number, c -> c < 0, "must be below ", at, out);
        JsonNode multipleOf = schema.get("multipleOf");
        if (multipleOf != null && number.remainder(multipleOf.decimalValue()).signum() != 0) {
            out.add(new Violation(at, "must be a multiple of " + multipleOf + " (was " + number.toPlainString() + ")"));
        }
    }

    private static void compare(JsonNode schema, String keyword, BigDecimal number, java.util.function.IntPredicate ok, String words, String at,
            List<Violation> out) {
        JsonNode limit = schema.get(keyword);
        if (limit != null && !ok.test(number.compareTo(limit.decimalValue()))) {
            out.add(new Violation(at, words + limit + " (was " + number.toPlainString() + ")"));
        }
    }

    private void applyString(JsonNode schema, String text, String at, List<Violation> out) {
        int length = text.codePointCount(0, text.length());
        bound(schema, "minLength", length, true, at, "must be at least %d characters (was %d)", out);
        bound(schema, "maxLength", length, false, at, "must be at most %d characters (was %d)", out);
        JsonNode pattern = schema.get("pattern");
        if (pattern != null && !patterns.computeIfAbsent(pattern.textValue(), Pattern::compile).matcher(text).find()) {
            out.add(new Violation(at, "must match the pattern " + pattern.textValue() + " (was " + shorten(text) + ")"));
        }
    }

    private void applyCombinators(JsonNode schema, JsonNode value, String at, List<Violation> out, int depth) {
        JsonNode all = schema.get("allOf");
        if (all != null) {
            all.forEach(branch -> apply(branch, value, at, out, depth + 1));
        }
        JsonNode any = schema.get("anyOf");
        if (any != null && matching(any, value, at, depth) == 0) {
            out.add(new Violation(at, "matches none of the anyOf alternatives"));
        }
        JsonNode one = schema.get("oneOf");
        if (one != null) {
            int matches = matching(one, value, at, depth);
            if (matches != 1) {
                out.add(new Violation(at, "must match exactly one of the oneOf alternatives (matched " + matches + ")"));
            }
        }
        JsonNode not = schema.get("not");
        if (not != null && apply(not, value, at, new ArrayList<>(), depth + 1)) {
            out.add(new Violation(at, "must not match the schema under 'not'"));
        }
    }

    private int matching(JsonNode branches, JsonNode value, String at, int depth) {
        int matches = 0;
        for (JsonNode branch : branches) {
            if (apply(branch, value, at, new ArrayList<>(), depth + 1)) {
                matches++;
            }
        }
        return matches;
    }

    private static void bound(JsonNode schema, String keyword, int actual, boolean lower, String at, String message, List<Violation> out) {
        JsonNode limit = schema.get(keyword);
        if (limit != null && (lower ? actual < limit.intValue() : actual > limit.intValue())) {
            out.add(new Violation(at, String.format(message, limit.intValue(), actual)));
        }
    }

    private static boolean hasType(JsonNode value, JsonNode type) {
        if (type.isArray()) {
            for (JsonNode name : type) {
                if (hasType(value, name)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.textValue()) {
            case "null" -> value.isNull();
            case "boolean" -> value.isBoolean();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "number" -> value.isNumber();
            case "integer" -> value.isIntegralNumber() || value.isNumber() && isWhole(value.decimalValue());
            case "string" -> value.isTextual();
            default -> false;
        };
    }

    private static boolean isWhole(BigDecimal number) {
        return number.signum() == 0 || number.stripTrailingZeros().scale() <= 0;
    }

    private static String typeOf(JsonNode value) {
        if (value.isIntegralNumber()) {
            return "integer";
        }
        return value.isNumber() ? "number" : value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean contains(JsonNode values, JsonNode value) {
        for (JsonNode candidate : values) {
            if (same(candidate, value)) {
                return true;
            }
        }
        return false;
    }

    /** JSON equality, with 1 and 1.0 equal as JSON Schema says. */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    /** A JSON pointer reference token (RFC 6901): '~' and '/' escaped. */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String shorten(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
