package dev.endure.spring.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The {@code endure} subtree of Spring's {@link Environment} as the JSON tree endure-config reads, so that
 * application.yml, properties files and command-line arguments go through endure-config's one validation.
 * Keys keep the spelling they were written with (endure-config's camelCase: {@code maxAttempts}); values
 * written as text (a properties file, the command line) are read as YAML would read them (5 is a number,
 * true a boolean), so {@code endure.policies.billing.retry.maxAttempts=5} means the same in any source.
 *
 * <p>Environment variables are not read for endure-config's sections: they arrive lower-cased, and
 * endure-config's keys are camelCase. One that names such a setting fails startup with a pointer to
 * {@code SPRING_APPLICATION_JSON}, which keeps the spelling.
 *
 * <p>A source earlier in Spring's order wins for a key, and a list is taken whole from the first source
 * that has any of its items, as Spring's binder does.
 */
public final class EnvironmentTree {

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    /** The sections of endure-config an environment variable could not spell in camelCase. */
    private static final Set<String> SECTIONS = Set.of("policies", "breakers", "budgets");

    private final ObjectNode root = JsonNodeFactory.instance.objectNode();
    private final List<String> environmentVariables = new ArrayList<>();
    /** endure-config's key path (no "endure." prefix) → where it was written. */
    private final Map<String, Origin> origins = new HashMap<>();

    private EnvironmentTree() {}

    /**
     * Reads every property under {@code prefix}, leaving out the keys in {@code ownKeys} (settings of the
     * starter itself, such as {@code http}, that endure-config does not know).
     */
    public static EnvironmentTree read(Environment environment, String prefix, Set<String> ownKeys) {
        EnvironmentTree tree = new EnvironmentTree();
        ConfigurationPropertyName top = ConfigurationPropertyName.of(prefix);
        Set<String> seen = new HashSet<>();
        Map<String, Integer> listOwners = new HashMap<>();
        int sourceIndex = 0;
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            sourceIndex++;
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource) {
                // ENDURE_POLICIES_BILLING_RETRY_MAXATTEMPTS arrives lower-cased ("maxattempts"), and names such as
                // ENDURE_TEST_PG_URL belong to other tools: such variables are reported, not guessed at.
                iterable.stream().filter(top::isAncestorOf)
                        .filter(name -> name.getNumberOfElements() > top.getNumberOfElements()
                                && SECTIONS.contains(name.getElement(top.getNumberOfElements(), Form.ORIGINAL)))
                        .map(name -> iterable.getConfigurationProperty(name))
                        .filter(java.util.Objects::nonNull)
                        .forEach(property -> tree.environmentVariables.add(String.valueOf(property.getOrigin())));
                continue;
            }
            List<ConfigurationPropertyName> names = new ArrayList<>();
            iterable.stream().filter(top::isAncestorOf).forEach(names::add);
            for (ConfigurationPropertyName name : names) {
                List<String> path = new ArrayList<>();
                for (int i = top.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
                    String element = name.getElement(i, Form.ORIGINAL);
                    path.add(name.isNumericIndex(i) ? "[" + element + "]" : element);
                }
                if (path.isEmpty() || ownKeys.contains(path.get(0))) {
                    continue;
                }
                String key = String.join(".", path);
                if (!seen.add(key) || !ownsLists(path, listOwners, sourceIndex)) {
                    continue;
                }
                ConfigurationProperty property = iterable.getConfigurationProperty(name);
                if (property == null) {
                    continue;
                }
                tree.put(path, property.getValue());
                if (property.getOrigin() != null) {
                    tree.origins.put(configPath(path), property.getOrigin());
                }
            }
        }
        return tree;
    }

    /** True unless an earlier source already gave one of the lists on this path. */
    private static boolean ownsLists(List<String> path, Map<String, Integer> listOwners, int sourceIndex) {
        StringBuilder prefix = new StringBuilder();
        for (String element : path) {
            if (isIndex(element)) {
                Integer owner = listOwners.putIfAbsent(prefix.toString(), sourceIndex);
                if (owner != null && owner != sourceIndex) {
                    return false;
                }
            }
            prefix.append('/').append(element);
        }
        return true;
    }

    private void put(List<String> path, Object raw) {
        JsonNode parent = root;
        for (int i = 0; i < path.size() - 1; i++) {
            boolean nextIsIndex = isIndex(path.get(i + 1));
            parent = child(parent, path.get(i), nextIsIndex);
            if (parent == null) {
                return; // a scalar and a section under the same key: the first one read stands
            }
        }
        JsonNode value = scalar(raw);
        String last = path.get(path.size() - 1);
        if (parent instanceof ObjectNode object && !isIndex(last)) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array && isIndex(last)) {
            int index = index(last);
            while (array.size() <= index) {
                array.addNull();
            }
            array.set(index, value);
        }
    }

    private static JsonNode child(JsonNode parent, String element, boolean array) {
        if (parent instanceof ObjectNode object && !isIndex(element)) {
            JsonNode existing = object.get(element);
            if (existing == null) {
                return array ? object.putArray(element) : object.putObject(element);
            }
            return existing.isContainerNode() ? existing : null;
        }
        if (parent instanceof ArrayNode list && isIndex(element)) {
            int index = index(element);
            while (list.size() <= index) {
                list.addNull();
            }
            JsonNode existing = list.get(index);
            if (existing == null || existing.isNull()) {
                JsonNode created = array ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
                list.set(index, created);
                return created;
            }
            return existing.isContainerNode() ? existing : null;
        }
        return null;
    }

    /** Typed values (from YAML) stay as they are; text is read the way a YAML plain scalar is read. */
    private static JsonNode scalar(Object raw) {
        Object value = raw instanceof OriginTrackedValue tracked ? tracked.getValue() : raw;
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == null) {
            return nodes.nullNode();
        }
        if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof BigInteger) {
            return nodes.numberNode(new BigInteger(value.toString()));
        }
        if (value instanceof Number number) {
            return nodes.numberNode(number.doubleValue());
        }
        String text = value.toString().strip();
        if (text.isEmpty()) {
            return nodes.nullNode(); // "billing:" with nothing after it, as endure-config reads YAML
        }
        if (INTEGER.matcher(text).matches()) {
            return nodes.numberNode(new BigInteger(text));
        }
        if (DECIMAL.matcher(text).matches()) {
            return nodes.numberNode(Double.parseDouble(text));
        }
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return nodes.booleanNode(Boolean.parseBoolean(text));
        }
        return nodes.textNode(value.toString());
    }

    private static boolean isIndex(String element) {
        return element.startsWith("[") && element.endsWith("]");
    }

    private static int index(String element) {
        return Integer.parseInt(element.substring(1, element.length() - 1));
    }

    /** The path as endure-config writes it: {@code policies.billing.classification.retryOn[0]}. */
    private static String configPath(List<String> path) {
        StringBuilder text = new StringBuilder();
        for (String element : path) {
            if (text.length() > 0 && !isIndex(element)) {
                text.append('.');
            }
            text.append(element);
        }
        return text.toString();
    }

    /** Environment variables that name endure-config settings (which are not read), by their origin. */
    public List<String> environmentVariables() {
        return environmentVariables;
    }

    public ObjectNode tree() {
        return root;
    }

    /**
     * Where the value at endure-config's {@code path} was written, or at the closest key above it that was
     * (a missing key is reported on its section).
     */
    public Origin originOf(String path) {
        String current = path;
        while (current != null && !current.isEmpty()) {
            Origin origin = origins.get(current);
            if (origin != null) {
                return origin;
            }
            Origin below = firstBelow(current);
            if (below != null) {
                return below;
            }
            int cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
            current = cut > 0 ? current.substring(0, cut) : null;
        }
        return null;
    }

    private Origin firstBelow(String path) {
        Map<String, Origin> sorted = new LinkedHashMap<>();
        origins.keySet().stream().filter(key -> key.startsWith(path + ".") || key.startsWith(path + "[")).sorted()
                .forEach(key -> sorted.put(key, origins.get(key)));
        return sorted.isEmpty() ? null : sorted.values().iterator().next();
    }
}
