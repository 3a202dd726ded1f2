package dev.endure.spring.internal;

import dev.endure.config.ConfigError;
import dev.endure.config.ConfigException;
import dev.endure.config.ConfigLoader;
import dev.endure.config.EndureConfig;
import dev.endure.spring.EndureConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;

/**
 * Hands the {@code endure} subtree of the environment to endure-config's loader, so a Spring application
 * is validated by exactly the rules an {@code endure.yaml} file is, and turns its errors into full key
 * paths with the place each value was written.
 */
public final class SpringConfigLoader {

    public static final String PREFIX = "endure";
    /** Keys under {@code endure} that belong to the starter, not to endure-config. */
    public static final Set<String> STARTER_KEYS = Set.of("http", "health", "metrics");

    private SpringConfigLoader() {}

    public static EndureConfig load(Environment environment, ClassLoader classLoader) {
        EnvironmentTree tree = EnvironmentTree.read(environment, PREFIX, STARTER_KEYS);
        if (!tree.environmentVariables().isEmpty()) {
            List<String> problems = new ArrayList<>();
            for (String variable : tree.environmentVariables()) {
                problems.add(variable + ": environment variables cannot spell endure-config's camelCase keys"
                        + " (maxAttempts arrives as maxattempts); set endure.* through SPRING_APPLICATION_JSON instead,"
                        + " e.g. SPRING_APPLICATION_JSON='{\"endure\":{\"policies\":{\"billing\":{\"retry\":{\"maxAttempts\":5}}}}}'");
            }
            throw new EndureConfigurationException(problems, null);
        }
        try {
            return ConfigLoader.withClassLoader(classLoader).read(tree.tree(), "the Spring environment (" + PREFIX + ".*)");
        } catch (ConfigException invalid) {
            List<String> problems = new ArrayList<>();
            for (ConfigError error : invalid.errors()) {
                problems.add(describe(error, tree.originOf(error.path())));
            }
            throw new EndureConfigurationException(problems, invalid);
        }
    }

    static String describe(ConfigError error, Origin origin) {
        String path = "(root)".equals(error.path()) ? PREFIX : PREFIX + "." + error.path();
        return path + ": " + error.rule() + (error.value() == null ? "" : " (was " + error.value() + ")")
                + (origin == null ? "" : " [" + origin + "]");
    }
}
