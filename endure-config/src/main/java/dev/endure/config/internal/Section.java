package dev.endure.config.internal;

import dev.endure.config.DurationText;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, error-collecting reads of one mapping. Every read names the key it expects, so that at the
 * end {@link #rejectUnknownKeys()} can report every other key with the closest expected one. A read
 * that fails records an error and answers null, and reading goes on: one pass finds every error.
 */
public final class Section {

    private final Node.ObjectNode node;
    private final String path;
    private final Problems problems;
    private final Set<String> expected = new LinkedHashSet<>();

    private Section(Node.ObjectNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** The mapping at {@code path}, or null (with an error) when {@code value} is something else. */
    public static Section of(Node value, String path, Problems problems) {
        if (value instanceof Node.ObjectNode object) {
            return new Section(object, path, problems);
        }
        problems.add(path, value, "must be a mapping of keys to values, not " + value.describe());
        return null;
    }

    public String path() {
        return path;
    }

    public Problems problems() {
        return problems;
    }

    /** The path of one of this section's keys. */
    public String pathOf(String key) {
        return Paths.child(path, key);
    }

    /** The value under {@code key}; null if absent or written as null (YAML's empty value). */
    public Node node(String key) {
        expected.add(key);
        Node value = node.fields().get(key);
        return value instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.NULL ? null : value;
    }

    public boolean has(String key) {
        return node(key) != null;
    }

    /** The keys written in this section, in source order (for maps of named things). */
    public Set<String> keys() {
        return node.fields().keySet();
    }

    /** Where this section starts. */
    public Node.Location location() {
        return node.location();
    }

    /** Records that {@code key} is required and missing, when it is. */
    public boolean require(String key) {
        if (has(key)) {
            return true;
        }
        problems.addWithoutValue(pathOf(key), "is required", node.location());
        return false;
    }

    /** Records an error about the value under {@code key} unless {@code ok}. */
    public boolean check(String key, boolean ok, String rule) {
        if (!ok) {
            problems.add(pathOf(key), node(key), rule);
        }
        return ok;
    }

    public Section section(String key) {
        Node value = node(key);
        return value == null ? null : of(value, pathOf(key), problems);
    }

    public Integer integer(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.INTEGER) {
            BigInteger number = (BigInteger) scalar.value();
            if (number.bitLength() < 32) {
                return number.intValue();
            }
            problems.add(pathOf(key), value, "is too large");
            return null;
        }
        problems.add(pathOf(key), value, "must be a whole number, not " + value.describe());
        return null;
    }

    /** A number, whole or decimal; must be finite. */
    public Double number(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar) {
            if (scalar.kind() == Node.ScalarNode.Kind.INTEGER) {
                return ((BigInteger) scalar.value()).doubleValue();
            }
            if (scalar.kind() == Node.ScalarNode.Kind.DECIMAL) {
                double number = (Double) scalar.value();
                if (Double.isFinite(number)) {
                    return number;
                }
                problems.add(pathOf(key), value, "must be a finite number");
                return null;
            }
        }
        problems.add(pathOf(key), value, "must be a number, not " + value.describe());
        return null;
    }

    public String string(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.STRING) {
            String text = (String) scalar.value();
            if (text.isBlank()) {
                problems.add(pathOf(key), value, "must not be blank");
                return null;
            }
            return text;
        }
        problems.add(pathOf(key), value, "must be a string, not " + value.describe());
        return null;
    }

    public Boolean bool(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.BOOLEAN) {
            return (Boolean) scalar.value();
        }
        problems.add(pathOf(key), value, "must be true or false, not " + value.describe());
        return null;
    }

    /** A duration in {@link DurationText}'s grammar. */
    public Duration duration(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar
                && (scalar.kind() == Node.ScalarNode.Kind.STRING || scalar.kind() == Node.ScalarNode.Kind.INTEGER)) {
            try {
                return DurationText.parse(scalar.text());
            } catch (IllegalArgumentException bad) {
                problems.add(pathOf(key), value, bad.getMessage());
                return null;
            }
        }
        problems.add(pathOf(key), value, "must be a duration such as 500ms, 2m or 10h, not " + value.describe());
        return null;
    }

    /**
     * A percentage written {@code 25%} (decimals allowed: {@code 12.5%}), as a fraction (0.25). Bare
     * numbers are refused: "25" and "0.25" both look plausible and mean different things.
     */
    public Double percentage(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.STRING) {
            Double fraction = parsePercentage((String) scalar.value());
            if (fraction != null) {
                return fraction;
            }
        }
        problems.add(pathOf(key), value, "must be a percentage such as 25%");
        return null;
    }

    /** {@code "25%"} or {@code "±25%"} as 0.25; null if it is no percentage. */
    public static Double parsePercentage(String text) {
        String body = text.strip();
        if (body.startsWith("±")) {
            body = body.substring(1);
        }
        if (!body.matches("\\d+(\\.\\d+)?%")) {
            return null;
        }
        return Double.parseDouble(body.substring(0, body.length() - 1)) / 100.0;
    }

    /** A list of strings; items of another type are errors and left out. */
    public List<Item<String>> strings(String key) {
        List<Item<String>> result = new ArrayList<>();
        Node.ArrayNode list = list(key);
        if (list == null) {
            return result;
        }
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            String itemPath = Paths.index(pathOf(key), i);
            if (item instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.STRING
                    && !((String) scalar.value()).isBlank()) {
                result.add(new Item<>((String) scalar.value(), itemPath, item));
            } else {
                problems.add(itemPath, item, "must be a non-blank string, not " + item.describe());
            }
        }
        return result;
    }

    /** A list of whole numbers; items of another type are errors and left out. */
    public List<Item<Integer>> integers(String key) {
        List<Item<Integer>> result = new ArrayList<>();
        Node.ArrayNode list = list(key);
        if (list == null) {
            return result;
        }
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            String itemPath = Paths.index(pathOf(key), i);
            if (item instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.INTEGER
                    && ((BigInteger) scalar.value()).bitLength() < 32) {
                result.add(new Item<>(((BigInteger) scalar.value()).intValue(), itemPath, item));
            } else {
                problems.add(itemPath, item, "must be a whole number, not " + item.describe());
            }
        }
        return result;
    }

    private Node.ArrayNode list(String key) {
        Node value = node(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Node.ArrayNode array) {
            return array;
        }
        problems.add(pathOf(key), value, "must be a list, not " + value.describe());
        return null;
    }

    /** One list item with its path, for errors about it. */
    public record Item<T>(T value, String path, Node node) {}

    /**
     * Reports every key that no read asked for, each with the closest expected key. Call after all
     * reads of this section.
     */
    public void rejectUnknownKeys() {
        for (Map.Entry<String, Node> field : node.fields().entrySet()) {
            String key = field.getKey();
            if (!expected.contains(key)) {
                String hint = Suggestions.didYouMean(key, expected);
                String known = hint.isEmpty() ? "; expected one of " + String.join(", ", expected) : hint;
                problems.addWithoutValue(pathOf(key), "unknown key" + known, node.keyLocations().getOrDefault(key, field.getValue().location()));
            }
        }
    }
}
