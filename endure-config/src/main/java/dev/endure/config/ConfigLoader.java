package dev.endure.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.config.internal.Node;
import dev.endure.config.internal.Paths;
import dev.endure.config.internal.Problems;
import dev.endure.config.internal.Section;
import dev.endure.config.internal.TreeParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an {@link EndureConfig} from YAML or JSON and validates all of it in one pass: the
 * {@link ConfigException} it throws lists every error, each with its key path, value and rule.
 *
 * <pre>{@code
 * EndureConfig config = ConfigLoader.load(Path.of("endure.yaml"));         // .json reads JSON
 * EndureConfig fromText = ConfigLoader.loadYaml(text, "inline config");
 * }</pre>
 *
 * <p>The file format is described in this module's README. Exception types named in
 * {@code classification} are resolved with the loader's class loader (by default the thread's
 * context class loader) so a typo fails at startup, not at the first failure.
 */
public final class ConfigLoader {

    /** Names become metric tags and log fields, so they are kept to a safe, readable alphabet. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}");

    private static final JsonFactory JSON = JsonFactory.builder().build();
    // YAML reads "billing:" with nothing after it as null (YAML 1.1), not as an empty string.
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    private final ClassLoader classLoader;

    private ConfigLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    /** A loader that resolves class names with {@code classLoader}. */
    public static ConfigLoader withClassLoader(ClassLoader classLoader) {
        return new ConfigLoader(Objects.requireNonNull(classLoader, "classLoader"));
    }

    private static ConfigLoader defaults() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return new ConfigLoader(context != null ? context : ConfigLoader.class.getClassLoader());
    }

    /** Reads a file: JSON if its name ends in {@code .json}, YAML otherwise. */
    public static EndureConfig load(Path file) {
        return defaults().read(file);
    }

    public static EndureConfig loadYaml(String yaml, String sourceName) {
        return defaults().readYaml(yaml, sourceName);
    }

    public static EndureConfig loadJson(String json, String sourceName) {
        return defaults().readJson(json, sourceName);
    }

    /** Reads a class path resource, e.g. {@code examples/billing.yaml}. */
    public static EndureConfig loadResource(String resource) {
        return defaults().readResource(resource);
    }

    /** Reads a tree parsed elsewhere (e.g. a section of a larger Jackson document); errors have no line numbers. */
    public static EndureConfig load(JsonNode tree, String sourceName) {
        return defaults().read(tree, sourceName);
    }

    public EndureConfig read(Path file) {
        String name = file.toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, isJson(name) ? JSON : YAML, isJson(name) ? "JSON" : "YAML", name);
        } catch (IOException io) {
            throw new UncheckedIOException("cannot read configuration file " + name + ": " + io.getMessage(), io);
        }
    }

    public EndureConfig readYaml(String yaml, String sourceName) {
        return read(new StringReader(yaml), YAML, "YAML", sourceName);
    }

    public EndureConfig readJson(String json, String sourceName) {
        return read(new StringReader(json), JSON, "JSON", sourceName);
    }

    public EndureConfig readResource(String resource) {
        InputStream stream = classLoader.getResourceAsStream(resource);
        if (stream == null) {
            throw new IllegalArgumentException("no configuration resource '" + resource + "' on the class path");
        }
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            return read(reader, isJson(resource) ? JSON : YAML, isJson(resource) ? "JSON" : "YAML", resource);
        } catch (IOException io) {
            throw new UncheckedIOException("cannot read configuration resource " + resource, io);
        }
    }

    public EndureConfig read(JsonNode tree, String sourceName) {
        Problems problems = new Problems(sourceName);
        return interpret(TreeParser.fromJsonNode(tree), problems);
    }

    private EndureConfig read(Reader reader, JsonFactory factory, String format, String sourceName) {
        Problems problems = new Problems(sourceName);
        Node root = new TreeParser(problems).parse(factory, reader, format);
        problems.throwIfAny();
        return interpret(root, problems);
    }

    private static boolean isJson(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".json");
    }

    private EndureConfig interpret(Node root, Problems problems) {
        Section top = Section.of(root, "", problems);
        if (top == null) {
            problems.throwIfAny();
        }
        Map<String, CircuitBreakerPolicy> breakers = new LinkedHashMap<>();
        Set<String> breakerNames = named(top, "breakers", problems, (name, section) -> {
            CircuitBreakerPolicy breaker = new BreakerReader(problems).read(name, section);
            if (breaker != null) {
                breakers.put(name, breaker);
            }
        });
        Map<String, RetryBudgetPolicy> budgets = new LinkedHashMap<>();
        Set<String> sharedBudgets = new LinkedHashSet<>();
        Set<String> budgetNames = named(top, "budgets", problems, (name, section) -> {
            RetryBudgetPolicy budget = new BudgetReader(problems).read(name, section, sharedBudgets);
            if (budget != null) {
                budgets.put(name, budget);
            }
        });
        Map<String, ConcurrencyLimitPolicy> limits = new LinkedHashMap<>();
        named(top, "limits", problems, (name, section) -> {
            ConcurrencyLimitPolicy limit = new LimitReader(problems).read(name, section);
            if (limit != null) {
                limits.put(name, limit);
            }
        });
        Map<String, PolicyConfig> policies = new LinkedHashMap<>();
        PolicyReader policyReader = new PolicyReader(problems, classLoader, breakerNames, budgetNames);
        named(top, "policies", problems, (name, section) -> {
            PolicyConfig policy = policyReader.read(name, section);
            if (policy != null) {
                policies.put(name, policy);
            }
        });
        Section storeSection = top.section("budgetStore");
        BudgetStoreSettings budgetStore = storeSection == null ? BudgetStoreSettings.DEFAULTS
                : new BudgetStoreReader(problems).read(storeSection);
        top.rejectUnknownKeys();
        problems.throwIfAny();
        return new EndureConfig(problems.source(), policies, breakers, budgets, sharedBudgets, budgetStore, limits);
    }

    /**
     * Walks a section of named entries ({@code policies}, {@code breakers}, {@code budgets}).
     *
     * @return every name written there, valid or not, so references to a broken entry do not add a
     *     second, misleading error
     */
    private static Set<String> named(Section top, String key, Problems problems, EntryReader reader) {
        Set<String> names = new LinkedHashSet<>();
        Section entries = top.section(key);
        if (entries == null) {
            return names;
        }
        for (String name : entries.keys()) {
            names.add(name);
            String path = Paths.child(entries.path(), name);
            Node value = entries.node(name);
            if (!NAME.matcher(name).matches()) {
                problems.addWithoutValue(path, "is not a valid name: names start with a letter or digit and hold only"
                        + " letters, digits, '_', '-' and '.' (at most 64)", value == null ? entries.location() : value.location());
                continue;
            }
            if (value == null) {
                // "billing:" with nothing under it: every setting at its default.
                value = new Node.ObjectNode(Map.of(), Map.of(), entries.location());
            }
            Section section = Section.of(value, path, problems);
            if (section != null) {
                reader.read(name, section);
            }
        }
        return names;
    }

    @FunctionalInterface
    private interface EntryReader {
        void read(String name, Section section);
    }
}
