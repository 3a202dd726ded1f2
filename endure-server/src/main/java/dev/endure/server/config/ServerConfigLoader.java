package dev.endure.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.endure.server.api.Suggestion;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the server's settings: defaults, then the YAML file, then {@code ENDURE_*} environment
 * variables, then command-line overrides. Unknown keys are errors with a did-you-mean, and every
 * error names the key and where the bad value came from.
 *
 * <pre>{@code
 * # endure.yaml
 * server: { port: 8080, shutdownGrace: 30s }
 * store:  { url: jdbc:postgresql://db:5432/endure, user: endure }
 * auth:
 *   keys:
 *     - { name: ops, sha256: 9f86d08..., scopes: [read, send, manage] }
 * }</pre>
 */
public final class ServerConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ServerConfigLoader() {}

    /**
     * @param file the YAML file, or null for none
     * @param environment usually {@code System.getenv()}
     * @param overrides command-line values by key (win over everything)
     */
    public static ServerConfig load(Path file, Map<String, String> environment, Map<ConfigKey, String> overrides) {
        List<String> problems = new ArrayList<>();
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        ServerConfig defaults = ServerConfig.defaults();
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, defaults.get(key));
        }
        List<ApiKey> apiKeys = new ArrayList<>();
        if (file != null) {
            readFile(file, values, apiKeys, problems);
        }
        for (ConfigKey key : ConfigKey.values()) {
            String text = environment.get(key.environmentVariable());
            if (text != null) {
                put(key, text, "environment variable " + key.environmentVariable(), values, problems);
            }
        }
        overrides.forEach((key, text) -> put(key, text, "command line", values, problems));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ServerConfig(values, apiKeys);
    }

    private static void put(ConfigKey key, String text, String source, Map<ConfigKey, Object> values, List<String> problems) {
        try {
            values.put(key, key.convert(text));
        } catch (IllegalArgumentException e) {
            problems.add(key.path() + " " + e.getMessage() + " (from " + source + ")");
        }
    }

    private static void readFile(Path file, Map<ConfigKey, Object> values, List<ApiKey> apiKeys, List<String> problems) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.add(file + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr()) + " is not valid YAML: " + e.getOriginalMessage());
            return;
        } catch (IOException e) {
            problems.add("cannot read config file " + file + ": " + e.getMessage());
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            problems.add(file + ": the top level must be a mapping of sections (server, store, delivery, worker, policy, dashboard, metrics, auth)");
            return;
        }
        Set<String> sections = Arrays.stream(ConfigKey.values()).map(k -> k.path().split("\\.")[0]).collect(Collectors.toCollection(java.util.TreeSet::new));
        sections.add("auth");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            String name = section.getKey();
            if (!sections.contains(name)) {
                problems.add(file + ": unknown section '" + name + "'" + Suggestion.closest(name, sections).map(s -> "; did you mean '" + s + "'?").orElse(""));
                continue;
            }
            if (name.equals("auth")) {
                readAuth(file, section.getValue(), apiKeys, problems);
                continue;
            }
            if (!section.getValue().isObject()) {
                problems.add(file + ": " + name + " must be a mapping");
                continue;
            }
            List<String> known = Arrays.stream(ConfigKey.values()).map(ConfigKey::path).filter(p -> p.startsWith(name + ".")).toList();
            for (Iterator<Map.Entry<String, JsonNode>> fields = section.getValue().fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String path = name + "." + field.getKey();
                ConfigKey key = Arrays.stream(ConfigKey.values()).filter(k -> k.path().equals(path)).findFirst().orElse(null);
                if (key == null) {
                    problems.add(file + ": unknown key " + path + Suggestion.closest(path, known).map(s -> "; did you mean " + s + "?").orElse(""));
                    continue;
                }
                JsonNode node = field.getValue();
                String text = node.isArray()
                        ? String.join(",", (Iterable<String>) () -> java.util.stream.StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).iterator())
                        : node.isNull() ? "" : node.asText();
                put(key, text, file.toString(), values, problems);
            }
        }
    }

    private static void readAuth(Path file, JsonNode auth, List<ApiKey> apiKeys, List<String> problems) {
        JsonNode keys = auth.get("keys");
        for (Iterator<String> names = auth.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("keys")) {
                problems.add(file + ": unknown key auth." + name + "; the auth section has only 'keys'");
            }
        }
        if (keys == null) {
            return;
        }
        if (!keys.isArray()) {
            problems.add(file + ": auth.keys must be a list of {name, sha256, scopes}");
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            JsonNode entry = keys.get(i);
            String at = "auth.keys[" + i + "]";
            String name = entry.path("name").asText(at);
            String hash = entry.path("sha256").asText("");
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            try {
                for (JsonNode scope : entry.path("scopes")) {
                    scopes.add(Scope.parse(scope.asText()));
                }
                apiKeys.add(new ApiKey(name, hash, scopes));
            } catch (IllegalArgumentException e) {
                problems.add(file + ": " + at + ": " + e.getMessage());
            }
        }
    }

    static {
        YAML.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
