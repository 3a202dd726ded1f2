package dev.endure.config.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed configuration value that remembers where it was written. Jackson's {@code JsonNode} forgets
 * line and column, and an operator fixing a file wants both, so the loader builds this small tree.
 */
public sealed interface Node {

    /** Where the value starts in its source, or {@link Location#UNKNOWN}. */
    Location location();

    /** What the value is, in words for error messages ("a mapping", "the string \"10ms\""). */
    String describe();

    /** A position in a source file; line and column count from 1. */
    record Location(int line, int column) {
        public static final Location UNKNOWN = new Location(0, 0);

        public boolean isKnown() {
            return line > 0;
        }

        @Override
        public String toString() {
            return isKnown() ? "line " + line + ", column " + column : "unknown position";
        }
    }

    /** A mapping, keys in source order. */
    record ObjectNode(Map<String, Node> fields, Map<String, Location> keyLocations, Location location) implements Node {
        public ObjectNode {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
            keyLocations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keyLocations));
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** A sequence. */
    record ArrayNode(List<Node> items, Location location) implements Node {
        public ArrayNode {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A scalar: its kind, its value as parsed, and its source text. */
    record ScalarNode(Kind kind, Object value, String text, Location location) implements Node {

        /** Scalar kinds as the parser saw them. */
        public enum Kind {
            STRING, INTEGER, DECIMAL, BOOLEAN, NULL
        }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "a string";
                case INTEGER -> "a whole number";
                case DECIMAL -> "a decimal number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        }
    }
}
