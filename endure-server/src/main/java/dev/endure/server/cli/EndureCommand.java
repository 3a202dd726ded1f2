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
 *
 * Exit codes are {@link ExitCodes}; every error is one or two lines on stderr.
 */
@Command(name = "endure", mixinStandardHelpOptions = true, version = "endure 0.1.0-SNAPSHOT",
        description = "Durable webhook delivery: retries, endpoint disabling, replay, a dashboard and metrics.",
        subcommands = {ServeCommand.class, SendCommand.class, StatusCommand.class, DemoCommand.class, KeysCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (demo: lost = 0)", "1:the server refused the request, or the demo lost a delivery",
                "2:a mistake on the command line (option, URL, JSON, file, scope, database)",
                "3:the server did not answer at --url", "4:serve or demo could not start (port in use, database down)",
                "70:an unexpected failure (ENDURE_DEBUG=1 prints the stack trace)"})
public final class EndureCommand implements Runnable {

    /** Wide enough that URLs and JDBC URLs in option descriptions are not cut across lines. */
    static final int HELP_WIDTH = 120;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: short errors, exit codes from {@link ExitCodes}, help that keeps URLs whole. */
    public static CommandLine commandLine() {
        ErrorHandler errors = new ErrorHandler();
        return new CommandLine(new EndureCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpWidth(HELP_WIDTH)
                .setUsageHelpLongOptionsMaxWidth(30)
                .setParameterExceptionHandler(errors)
                .setExecutionExceptionHandler(errors);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
