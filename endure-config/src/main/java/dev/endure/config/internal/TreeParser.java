package dev.endure.config.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML or JSON through Jackson's streaming parser into a {@link Node} tree with positions.
 * Duplicate keys are errors (YAML and JSON both let the last one win silently, which hides a half-edited
 * file); a syntax error is reported with its line and column and ends the read.
 */
public final class TreeParser {

    private final Problems problems;

    public TreeParser(Problems problems) {
        this.problems = problems;
    }

    /**
     * Parses one document.
     *
     * @return the root, or null when a syntax error was reported to {@link Problems}
     */
    public Node parse(JsonFactory factory, Reader reader, String formatName) {
        Path path = new Path();
        try (JsonParser parser = factory.createParser(reader)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                // An empty file is an empty configuration, not an error.
                return new Node.ObjectNode(Map.of(), Map.of(), new Node.Location(1, 1));
            }
            Node root = read(parser, path);
            JsonToken after = parser.nextToken();
            if (after != null) {
                problems.addWithoutValue("", "holds more than one document; put everything in one", location(parser.currentTokenLocation()));
                return null;
            }
            return root;
        } catch (JsonProcessingException syntax) {
            String where = path.toString();
            if (syntax.getProcessor() instanceof JsonParser failed && failed.getParsingContext() != null
                    && failed.getParsingContext().inObject() && failed.getParsingContext().getCurrentName() != null) {
                // The key was read but its value was not: the error belongs to that key.
                String key = Paths.key(failed.getParsingContext().getCurrentName());
                // When the value itself was unreadable (a malformed number) the key is on the path already.
                if (!where.equals(key) && !where.endsWith("." + key)) {
                    where = where.isEmpty() ? key : where + "." + key;
                }
            }
            String problem = Secrets.isSecretPath(where) ? "details hidden because the key looks secret" : describe(syntax);
            problems.addWithoutValue(where, formatName + " syntax error: " + problem, location(syntax.getLocation()));
            return null;
        } catch (IOException io) {
            problems.addWithoutValue("", "could not be read: " + io.getMessage(), Node.Location.UNKNOWN);
            return null;
        }
    }

    private Node read(JsonParser parser, Path path) throws IOException {
        JsonToken token = parser.currentToken();
        Node.Location at = location(parser.currentTokenLocation());
        switch (token) {
            case START_OBJECT: {
                Map<String, Node> fields = new LinkedHashMap<>();
                Map<String, Node.Location> keyLocations = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Node.Location keyAt = location(parser.currentTokenLocation());
                    parser.nextToken();
                    path.push(key);
                    Node value = read(parser, path);
                    if (fields.containsKey(key)) {
                        Node.Location first = keyLocations.get(key);
                        problems.addWithoutValue(path.toString(), "is given twice (first at " + first + ")", keyAt);
                    } else {
                        fields.put(key, value);
                        keyLocations.put(key, keyAt);
                    }
                    path.pop();
                }
                return new Node.ObjectNode(fields, keyLocations, at);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    path.pushIndex(index++);
                    items.add(read(parser, path));
                    path.pop();
                }
                return new Node.ArrayNode(items, at);
            }
            case VALUE_STRING:
                return new Node.ScalarNode(Node.ScalarNode.Kind.STRING, parser.getText(), parser.getText(), at);
            case VALUE_NUMBER_INT:
                return new Node.ScalarNode(Node.ScalarNode.Kind.INTEGER, parser.getBigIntegerValue(), parser.getText(), at);
            case VALUE_NUMBER_FLOAT:
                return new Node.ScalarNode(Node.ScalarNode.Kind.DECIMAL, parser.getDoubleValue(), parser.getText(), at);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new Node.ScalarNode(Node.ScalarNode.Kind.BOOLEAN, token == JsonToken.VALUE_TRUE, parser.getText(), at);
            case VALUE_NULL:
                return new Node.ScalarNode(Node.ScalarNode.Kind.NULL, null, "null", at);
            default:
                // Embedded objects and the like have no place in a configuration file.
                return new Node.ScalarNode(Node.ScalarNode.Kind.STRING, String.valueOf(parser.getText()), String.valueOf(parser.getText()), at);
        }
    }

    /** Converts a tree someone else parsed (e.g. from a Spring property source); it has no positions. */
    public static Node fromJsonNode(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return node != null && node.isNull()
                    ? new Node.ScalarNode(Node.ScalarNode.Kind.NULL, null, "null", Node.Location.UNKNOWN)
                    : new Node.ObjectNode(Map.of(), Map.of(), Node.Location.UNKNOWN);
        }
        if (node.isObject()) {
            Map<String, Node> fields = new LinkedHashMap<>();
            Map<String, Node.Location> keys = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                fields.put(field.getKey(), fromJsonNode(field.getValue()));
                keys.put(field.getKey(), Node.Location.UNKNOWN);
            }
            return new Node.ObjectNode(fields, keys, Node.Location.UNKNOWN);
        }
        if (node.isArray()) {
            List<Node> items = new ArrayList<>();
            node.forEach(item -> items.add(fromJsonNode(item)));
            return new Node.ArrayNode(items, Node.Location.UNKNOWN);
        }
        if (node.isIntegralNumber()) {
            return new Node.ScalarNode(Node.ScalarNode.Kind.INTEGER, node.bigIntegerValue(), node.asText(), Node.Location.UNKNOWN);
        }
        if (node.isNumber()) {
            return new Node.ScalarNode(Node.ScalarNode.Kind.DECIMAL, node.doubleValue(), node.asText(), Node.Location.UNKNOWN);
        }
        if (node.isBoolean()) {
            return new Node.ScalarNode(Node.ScalarNode.Kind.BOOLEAN, node.booleanValue(), node.asText(), Node.Location.UNKNOWN);
        }
        return new Node.ScalarNode(Node.ScalarNode.Kind.STRING, node.asText(), node.asText(), Node.Location.UNKNOWN);
    }

    private static Node.Location location(JsonLocation location) {
        if (location == null || location.getLineNr() <= 0) {
            return Node.Location.UNKNOWN;
        }
        return new Node.Location(location.getLineNr(), Math.max(1, location.getColumnNr()));
    }

    /**
     * The parser's own words, without the copy of the offending line SnakeYAML adds (it may hold a
     * secret) and without Jackson's source description.
     */
    private static String describe(JsonProcessingException syntax) {
        String message = syntax.getOriginalMessage();
        if (message == null) {
            return "unreadable input";
        }
        // SnakeYAML appends " in 'reader', line N, column M:\n    <the line>\n    ^" to its problem.
        int snippet = message.indexOf(" in 'reader'");
        if (snippet >= 0) {
            message = message.substring(0, snippet);
        }
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        // Jackson quotes the unreadable token itself, which may be an unquoted secret.
        return message.replaceAll("Unrecognized token '[^']*'", "Unrecognized token").strip();
    }

    /** The key path being read, for errors raised mid-parse. */
    private static final class Path {
        private final List<String> segments = new ArrayList<>();

        void push(String key) {
            segments.add(Paths.key(key));
        }

        void pushIndex(int index) {
            segments.add("[" + index + "]");
        }

        void pop() {
            segments.remove(segments.size() - 1);
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            for (String segment : segments) {
                if (text.length() > 0 && !segment.startsWith("[")) {
                    text.append('.');
                }
                text.append(segment);
            }
            return text.toString();
        }
    }
}
