package dev.endure.server.cli;

/**
 * What {@code endure} exits with, so scripts can tell a mistake from an outage. Listed in
 * endure-server/README.md; keep the two in step.
 */
public final class ExitCodes {

    /** Done. For {@code demo}: every delivery accounted for ({@code lost = 0}). */
    public static final int OK = 0;
    /** The server answered with an error (4xx/5xx, e.g. a refused key), or the demo lost a delivery. */
    public static final int REFUSED = 1;
    /** A mistake on the command line: unknown option, malformed URL or JSON, missing file, unknown scope, bad config. */
    public static final int USAGE = 2;
    /** The server named by {@code --url} did not answer (not running, wrong port, firewall, timeout). */
    public static final int UNREACHABLE = 3;
    /** {@code serve} or {@code demo} could not start: the port is in use or the database does not answer. */
    public static final int CANNOT_START = 4;
    /** A failure Endure did not expect; the message says so and {@code ENDURE_DEBUG=1} prints the stack trace. */
    public static final int INTERNAL = 70;

    private ExitCodes() {}
}
