package dev.endure.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one or two lines on stderr (what failed, then what to do) and an
 * {@link ExitCodes exit code}. Stack traces only with {@code ENDURE_DEBUG=1}, for failures Endure did not
 * expect.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        // An unknown option explains a "missing required option" better than the latter does ("--evnt" for "--event").
        java.util.List<String> unknown = command.getUnmatchedArguments().stream().filter(arg -> arg.startsWith("-")).toList();
        String message = unknown.isEmpty() || e instanceof CommandLine.UnmatchedArgumentException ? e.getMessage()
                : "unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown.stream().map(u -> "'" + u + "'").toList())
                        + suggestion(command, unknown.get(0));
        err.println(name(command) + ": " + message);
        err.println("see: " + name(command) + " --help");
        err.flush();
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (e instanceof CliException known) {
            err.println(name(command) + ": " + known.getMessage());
            err.flush();
            return known.exitCode();
        }
        err.println(name(command) + ": unexpected failure: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")));
        if ("1".equals(System.getenv("ENDURE_DEBUG"))) {
            e.printStackTrace(err);
        } else {
            err.println("please report it; ENDURE_DEBUG=1 prints the stack trace");
        }
        err.flush();
        return ExitCodes.INTERNAL;
    }

    private static String suggestion(CommandLine command, String unknown) {
        String typed = unknown.replaceFirst("=.*", "");
        return command.getCommandSpec().options().stream()
                .flatMap(option -> java.util.Arrays.stream(option.names()))
                .filter(name -> name.startsWith("--") && typed.length() > 3 && name.regionMatches(0, typed, 0, 4))
                .findFirst().map(name -> " (did you mean " + name + "?)").orElse("");
    }

    private static String name(CommandLine command) {
        return command.getCommandSpec().qualifiedName();
    }
}
