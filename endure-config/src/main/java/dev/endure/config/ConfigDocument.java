package dev.endure.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.endure.config.internal.Node;
import dev.endure.config.internal.Paths;
import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Suggestions;
import dev.endure.config.internal.TreeParser;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A YAML or JSON document read the way {@link ConfigLoader} reads policy files (positions kept,
 * duplicate keys refused, secrets masked in syntax errors), for an application that defines its own
 * keys, as the Endure server does. Values are found by key path; the application converts them with
 * {@link DurationText} and friends and reports problems as {@link ConfigError}s in the same shape.
 *
 * <pre>{@code
 * ConfigDocument doc = ConfigDocument.read(Path.of("endure.yaml"));
 * doc.value("server.port").ifPresent(v -> System.out.println(v.text() + " at line " + v.line()));
 * }</pre>
 */
public final class ConfigDocument {

    private static final YAMLFactory YAML = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** What kind of value sits at a path. */
    public enum Kind { STRING, INTEGER, DECIMAL, BOOLEAN, LIST, MAPPING }

    /**
     * One value: its path, kind, source text (for scalars; a list's items are read with
     * {@link ConfigDocument#items}) and position (line 0 when unknown).
     */
    public record Value(String path, Kind kind, String text, int line, int column) {}

    private final String source;
    private final Node root;
    private final List<ConfigError> errors;

    private ConfigDocument(String source, Node root, List<ConfigError> errors) {
        this.source = source;
        this.root = root;
        this.errors = List.copyOf(errors);
    }

    /** Reads a file: JSON if its name ends in {@code .json}, YAML otherwise. A file that cannot be read is one error. */
    public static ConfigDocument read(Path file) {
        String name = file.toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader, name.toLowerCase(Locale.ROOT).endsWith(".json"), name);
        } catch (IOException e) {
            return new ConfigDocument(name, null, List.of(new ConfigError("(file)", null,
                    "cannot be read: " + e.getClass().getSimpleName().replace("Exception", "") + " " + e.getMessage(), name, 0, 0)));
        }
    }

    public static ConfigDocument parseYaml(String text, String source) {
        return parse(new StringReader(text), false, source);
    }

    private static ConfigDocument parse(Reader reader, boolean json, String source) {
        Problems problems = new Problems(source);
        Node root = new TreeParser(problems).parse(json ? JSON : YAML, reader, json ? "JSON" : "YAML");
        return new ConfigDocument(source, root, problems.errors());
    }

    public String source() {
        return source;
    }

    /** Syntax errors and duplicate keys found while reading; empty when the document was readable. */
    public List<ConfigError> errors() {
        return errors;
    }

    /** The value at {@code path} ({@code ""} is the root); empty when absent or written as null. */
    public Optional<Value> value(String path) {
        return Optional.ofNullable(find(path)).map(node -> describe(path, node));
    }

    /** The keys of the mapping at {@code path}, in file order; empty when it is no mapping. */
    public List<String> keys(String path) {
        return find(path) instanceof Node.ObjectNode object ? List.copyOf(object.fields().keySet()) : List.of();
    }

    /** The items of the list at {@code path}, each with its own path ({@code a.b[0]}); empty when it is no list. */
    public List<Value> items(String path) {
        List<Value> items = new ArrayList<>();
        if (find(path) instanceof Node.ArrayNode array) {
            for (int i = 0; i < array.items().size(); i++) {
                Node item = array.items().get(i);
                if (!isNull(item)) {
                    items.add(describe(Paths.index(path, i), item));
                }
            }
        }
        return items;
    }

    /** The path of {@code key} under {@code parent}, quoted when the key holds a dot or a space. */
    public static String child(String parent, String key) {
        return Paths.child(parent, key);
    }

    /** The candidate closest to a misspelt key or name, by the rule every Endure configuration uses. */
    public static Optional<String> closest(String typed, Collection<String> candidates) {
        return Suggestions.closest(typed, candidates);
    }

    private Node find(String path) {
        Node node = root;
        if (path.isEmpty()) {
            return isNull(node) ? null : node;
        }
        for (String segment : segments(path)) {
            if (node instanceof Node.ObjectNode object && !segment.startsWith("[")) {
                node = object.fields().get(segment);
            } else if (node instanceof Node.ArrayNode array && segment.startsWith("[")) {
                int index = Integer.parseInt(segment.substring(1, segment.length() - 1));
                node = index < array.items().size() ? array.items().get(index) : null;
            } else {
                return null;
            }
            if (isNull(node)) {
                return null;
            }
        }
        return node;
    }

    /** Splits {@code a.b[2].c} into {@code a}, {@code b}, {@code [2]}, {@code c}; quoted keys stay whole. */
    private static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '"' && (i == 0 || path.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && (c == '.' || c == '[')) {
                if (current.length() > 0) {
                    segments.add(current.toString());
                }
                current.setLength(0);
                if (c == '[') {
                    int end = path.indexOf(']', i);
                    segments.add(path.substring(i, end + 1));
                    i = end;
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            segments.add(current.toString().replace("\\\"", "\""));
        }
        return segments;
    }

    private static boolean isNull(Node node) {
        return node == null || node instanceof Node.ScalarNode scalar && scalar.kind() == Node.ScalarNode.Kind.NULL;
    }

    private static Value describe(String path, Node node) {
        Node.Location at = node.location();
        if (node instanceof Node.ObjectNode) {
            return new Value(path, Kind.MAPPING, null, at.line(), at.column());
        }
        if (node instanceof Node.ArrayNode) {
            return new Value(path, Kind.LIST, null, at.line(), at.column());
        }
        Node.ScalarNode scalar = (Node.ScalarNode) node;
        Kind kind = switch (scalar.kind()) {
            case INTEGER -> Kind.INTEGER;
            case DECIMAL -> Kind.DECIMAL;
            case BOOLEAN -> Kind.BOOLEAN;
            default -> Kind.STRING;
        };
        return new Value(path, kind, scalar.kind() == Node.ScalarNode.Kind.STRING ? String.valueOf(scalar.value()) : scalar.text(),
                at.line(), at.column());
    }
}
