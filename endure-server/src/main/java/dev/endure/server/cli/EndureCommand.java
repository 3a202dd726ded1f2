package dev.endure.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code endure}: the server's command line.
 *
 * <pre>
 * endure serve [--config endure.yaml] [--db jdbc:postgresql://…]   run the server
 * endure send --event invoice.paid --payload '{"id":42}'             send a message through a running server
 * endure status                                                      counts and endpoints of a running server
 * endure demo                                                        the one-minute tour on loopback
 * endure keys new --name ops --scopes read,send                      make an API key and its config line
 * </pre>
 */
@Command(name = "endure", mixinStandardHelpOptions = true, version = "endure 0.1.0-SNAPSHOT",
        description = "Durable webhook delivery: retries, endpoint disabling, replay, a dashboard and metrics.",
        subcommands = {ServeCommand.class, SendCommand.class, StatusCommand.class, DemoCommand.class, KeysCommand.class,
                CommandLine.HelpCommand.class})
public final class EndureCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = new CommandLine(new EndureCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
