package dev.endure.server.cli;

import dev.endure.server.auth.ApiKeys;
import dev.endure.server.auth.Scope;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code endure keys new}: makes an API key and prints the config entry that stores only its hash. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Make API keys.", subcommands = KeysCommand.New.class)
final class KeysCommand {

    @Command(name = "new", mixinStandardHelpOptions = true, description = "Print a new key and its auth.keys entry for the YAML config.")
    static final class New implements Runnable {

        @Option(names = "--name", required = true, description = "name shown in logs and 403 answers")
        String name;

        @Option(names = "--scopes", split = ",", defaultValue = "read,send,manage", description = "read, send, manage (default all)")
        List<String> scopes;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            List<Scope> parsed;
            try {
                parsed = scopes.stream().map(Scope::parse).toList();
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--scopes: " + e.getMessage());
            }
            java.io.PrintWriter out = spec.commandLine().getOut();
            String key = ApiKeys.generate();
            out.println("API key (shown once; give it to the client):");
            out.println("  " + key);
            out.println("Add to the server's YAML config:");
            out.println("auth:");
            out.println("  keys:");
            out.println("    - { name: " + name + ", sha256: " + ApiKeys.sha256(key) + ", scopes: ["
                    + parsed.stream().map(Scope::id).collect(Collectors.joining(", ")) + "] }");
        }
    }
}
