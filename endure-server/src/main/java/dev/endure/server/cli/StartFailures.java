package dev.endure.server.cli;

import java.net.BindException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Why {@code serve} or {@code demo} could not start, in the operator's terms: which database URLs the
 * server takes, a port already in use, a database that does not answer.
 */
final class StartFailures {

    /** The stores endure-delivery runs on, as the prefix of their JDBC URL and an example an operator can copy. */
    static final String SUPPORTED = "PostgreSQL (--db jdbc:postgresql://host:5432/endure) or, without --db, the embedded store";

    private StartFailures() {}

    /** Refuses a store URL for a database the server cannot use before any connection is tried. */
    static void checkDatabase(String url, String source) {
        String lower = url.trim().toLowerCase(Locale.ROOT);
        if (!(lower.startsWith("jdbc:postgresql:") || lower.startsWith("jdbc:h2:"))) {
            throw CliException.usage(source + " '" + url + "' is not a database the server supports; use " + SUPPORTED);
        }
    }

    /** Explains a failed start in one line when the cause is one an operator can fix; otherwise rethrows. */
    static CliException explain(RuntimeException failure, String host, int port, String storeSource) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException || (cause.getMessage() != null && cause.getMessage().contains("already in use"))) {
                return new CliException(ExitCodes.CANNOT_START, "port " + port + " on " + host + " is already in use — stop the other "
                        + "process or pick another with --port N (--port 0 takes a free one)");
            }
            if (cause instanceof SQLException sql) {
                if ("08001".equals(sql.getSQLState()) && String.valueOf(sql.getMessage()).contains("No suitable driver")) {
                    return CliException.usage(storeSource + " names a database the server has no driver for; use " + SUPPORTED);
                }
                return new CliException(ExitCodes.CANNOT_START, "the store (" + storeSource + ") does not answer: "
                        + firstLine(sql.getMessage()) + " — check the URL, user and password, and that the database is running");
            }
        }
        throw failure;
    }

    private static String firstLine(String text) {
        return text == null ? "no reason given" : text.lines().findFirst().orElse(text);
    }
}
