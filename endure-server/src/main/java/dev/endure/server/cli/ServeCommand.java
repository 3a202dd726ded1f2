package dev.endure.server.cli;

import dev.endure.server.EndureServer;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigException;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.config.ServerConfigLoader;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code endure serve}: runs the server until SIGTERM or Ctrl-C, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the delivery server (API, dashboard, worker, /metrics).")
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", description = "YAML config file (see endure-server/README.md for the keys)")
    Path config;

    @Option(names = "--db", description = "JDBC URL of a shared PostgreSQL, e.g. jdbc:postgresql://db:5432/endure (default: the embedded PostgreSQL under ./endure-data)")
    String db;

    @Option(names = "--db-user", description = "database user")
    String dbUser;

    @Option(names = "--db-password", description = "database password (prefer ENDURE_STORE_PASSWORD)", interactive = false)
    String dbPassword;

    @Option(names = "--host", description = "listen address (default 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "HTTP port (default 8080)")
    Integer port;

    @Option(names = "--data-dir", description = "directory of the embedded PostgreSQL store (default ./endure-data)")
    String dataDir;

    @Override
    public Integer call() throws Exception {
        ServerConfig settings;
        try {
            settings = ServerConfigLoader.load(config, System.getenv(), overrides());
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        }
        String storeSource = db != null ? "--db" : "store.url";
        if (!settings.embeddedStore()) {
            StartFailures.checkDatabase(settings.string(ConfigKey.STORE_URL), storeSource);
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (settings.apiKeys().isEmpty()) {
            // No key configured: make one for this run and show it once; only its hash stays in memory.
            Map.Entry<String, ApiKey> generated = ApiKeys.generateAdmin("generated-admin");
            settings = settings.withApiKeys(List.of(generated.getValue()));
            out.println("No API keys configured; generated one for this run (all scopes), shown only now:");
            out.println("  " + generated.getKey());
            out.println("Configure keys with `endure keys new` to keep them across restarts.");
        }
        EndureServer server;
        try {
            server = EndureServer.start(settings);
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        } catch (RuntimeException e) {
            throw StartFailures.explain(e, settings.host(), settings.port(), storeSource);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "endure-shutdown"));
        out.println("Endure is serving on " + server.baseUrl() + " (dashboard: " + server.baseUrl() + "/dashboard/)");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }

    private Map<ConfigKey, String> overrides() {
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        if (db != null) {
            values.put(ConfigKey.STORE_URL, db);
        }
        if (dbUser != null) {
            values.put(ConfigKey.STORE_USER, dbUser);
        }
        if (dbPassword != null) {
            values.put(ConfigKey.STORE_PASSWORD, dbPassword);
        }
        if (host != null) {
            values.put(ConfigKey.SERVER_HOST, host);
        }
        if (port != null) {
            values.put(ConfigKey.SERVER_PORT, port.toString());
        }
        if (dataDir != null) {
            values.put(ConfigKey.STORE_DATA_DIR, dataDir);
        }
        return values;
    }
}
