package dev.endure.server.config;

import dev.endure.config.ConfigDocument;
import dev.endure.config.ConfigError;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.Scope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads the server's settings: defaults, then the YAML file, then {@code ENDURE_*} environment
 * variables, then command-line overrides. The file is read by endure-config ({@link ConfigDocument}):
 * one duration grammar ({@code 1h30m}), one did-you-mean for unknown keys, and every error in its shape,
 * {@code path: rule (was value) [where]}, whichever source the value came from. Settings that only make
 * sense together (a cap not below the initial delay, a floor not above the cap) are
 * checked before the server starts, named by their key paths too.
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

    private ServerConfigLoader() {}

    /**
     * @param file the YAML file, or null for none
     * @param environment usually {@code System.getenv()}
     * @param overrides command-line values by key (win over everything)
     * @throws ConfigException listing every problem, each naming its key path and source
     */
    public static ServerConfig load(Path file, Map<String, String> environment, Map<ConfigKey, String> overrides) {
        List<ConfigError> errors = new ArrayList<>();
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        ServerConfig defaults = ServerConfig.defaults();
        for (ConfigKey key : ConfigKey.values()) {
            values.put(key, defaults.get(key));
        }
        List<ApiKey> apiKeys = new ArrayList<>();
        if (file != null) {
            readFile(ConfigDocument.read(file), values, apiKeys, errors);
        }
        for (ConfigKey key : ConfigKey.values()) {
            String text = environment.get(key.environmentVariable());
            if (text != null) {
                put(key, text, "environment variable " + key.environmentVariable(), values, errors);
            }
        }
        overrides.forEach((key, text) -> put(key, text, "command line", values, errors));
        ServerConfig config = new ServerConfig(values, apiKeys);
        if (errors.isEmpty()) {
            errors.addAll(ServerConfigChecks.problems(config));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors.stream().map(e -> e.line() > 0 || !e.source().equals("settings") ? e.toString() : e.message()).toList());
        }
        return config;
    }

    private static void put(ConfigKey key, String text, String source, Map<ConfigKey, Object> values, List<ConfigError> errors) {
        try {
            values.put(key, key.convert(text));
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(key.path(), key.show(text), e.getMessage(), source, 0, 0));
        }
    }

    private static void readFile(ConfigDocument doc, Map<ConfigKey, Object> values, List<ApiKey> apiKeys, List<ConfigError> errors) {
        errors.addAll(doc.errors());
        if (!doc.errors().isEmpty()) {
            return;
        }
        ConfigDocument.Value root = doc.value("").orElse(null);
        if (root == null) {
            return; // an empty file: every setting at its default
        }
        Set<String> sections = Arrays.stream(ConfigKey.values()).map(k -> k.path().split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        sections.add("auth");
        if (root.kind() != ConfigDocument.Kind.MAPPING) {
            errors.add(error(doc, root, "(root)", "must be a mapping of sections (" + String.join(", ", sections) + ")"));
            return;
        }
        for (String name : doc.keys("")) {
            String sectionPath = ConfigDocument.child("", name);
            ConfigDocument.Value section = doc.value(sectionPath).orElse(null);
            if (!sections.contains(name)) {
                errors.add(error(doc, section, sectionPath, "unknown section" + didYouMean(name, sections)));
                continue;
            }
            if (section == null) {
                continue;
            }
            if (section.kind() != ConfigDocument.Kind.MAPPING) {
                errors.add(error(doc, section, sectionPath, "must be a mapping of keys to values"));
                continue;
            }
            if (name.equals("auth")) {
                readAuth(doc, apiKeys, errors);
                continue;
            }
            List<String> known = Arrays.stream(ConfigKey.values()).map(ConfigKey::path).filter(p -> p.startsWith(name + ".")).toList();
            for (String field : doc.keys(sectionPath)) {
                String path = ConfigDocument.child(sectionPath, field);
                ConfigKey key = ConfigKey.at(path).orElse(null);
                ConfigDocument.Value value = doc.value(path).orElse(null);
                if (key == null) {
                    errors.add(error(doc, value, path, "unknown key" + didYouMean(path, known)));
                } else if (value != null) {
                    readValue(doc, key, value, values, errors);
                }
            }
        }
    }

    private static void readValue(ConfigDocument doc, ConfigKey key, ConfigDocument.Value value, Map<ConfigKey, Object> values,
            List<ConfigError> errors) {
        try {
            if (key.type() == ConfigKey.Type.LIST && value.kind() == ConfigDocument.Kind.LIST) {
                List<String> items = new ArrayList<>();
                for (ConfigDocument.Value item : doc.items(value.path())) {
                    if (item.kind() != ConfigDocument.Kind.STRING) {
                        errors.add(new ConfigError(item.path(), item.text(), "must be a string", doc.source(), item.line(), item.column()));
                    } else {
                        items.add(item.text());
                    }
                }
                values.put(key, List.copyOf(items));
            } else {
                values.put(key, key.convert(value));
            }
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(key.path(), value.text() == null ? null : key.show(value.text()), e.getMessage(), doc.source(),
                    value.line(), value.column()));
        }
    }

    private static void readAuth(ConfigDocument doc, List<ApiKey> apiKeys, List<ConfigError> errors) {
        for (String name : doc.keys("auth")) {
            if (!name.equals("keys")) {
                errors.add(error(doc, doc.value(ConfigDocument.child("auth", name)).orElse(null), ConfigDocument.child("auth", name),
                        "unknown key; the auth section has only 'keys'"));
            }
        }
        ConfigDocument.Value keys = doc.value("auth.keys").orElse(null);
        if (keys == null) {
            return;
        }
        if (keys.kind() != ConfigDocument.Kind.LIST) {
            errors.add(error(doc, keys, "auth.keys", "must be a list of {name, sha256, scopes}"));
            return;
        }
        for (ConfigDocument.Value entry : doc.items("auth.keys")) {
            String at = entry.path();
            if (entry.kind() != ConfigDocument.Kind.MAPPING) {
                errors.add(error(doc, entry, at, "must be a mapping {name, sha256, scopes}"));
                continue;
            }
            for (String field : doc.keys(at)) {
                if (!Set.of("name", "sha256", "scopes").contains(field)) {
                    errors.add(error(doc, doc.value(at + "." + field).orElse(null), at + "." + field,
                            "unknown key" + didYouMean(field, List.of("name", "sha256", "scopes"))));
                }
            }
            String name = doc.value(at + ".name").map(ConfigDocument.Value::text).orElse(at);
            String hash = doc.value(at + ".sha256").map(ConfigDocument.Value::text).orElse("");
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            try {
                for (ConfigDocument.Value scope : doc.items(at + ".scopes")) {
                    scopes.add(Scope.parse(scope.text()));
                }
                apiKeys.add(new ApiKey(name, hash, scopes));
            } catch (IllegalArgumentException e) {
                errors.add(error(doc, entry, at, e.getMessage()));
            }
        }
    }

    private static ConfigError error(ConfigDocument doc, ConfigDocument.Value at, String path, String rule) {
        return new ConfigError(path, null, rule, doc.source(), at == null ? 0 : at.line(), at == null ? 0 : at.column());
    }

    private static String didYouMean(String typed, java.util.Collection<String> candidates) {
        return ConfigDocument.closest(typed, candidates).map(s -> "; did you mean '" + s + "'?").orElse("");
    }
}
