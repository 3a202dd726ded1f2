package dev.endure.server.cli;

/**
 * A failure the CLI explains itself: the message is what the operator reads (what failed, then what to
 * do), the code is one of {@link ExitCodes}. Never printed with a stack trace.
 */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }
}
