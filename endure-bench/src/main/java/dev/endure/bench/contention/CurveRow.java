package dev.endure.bench.contention;

import java.util.Locale;

/**
 * One cell of the contention curve: one database, one way of running the transaction, one number of clients.
 *
 * @param commits transactions committed (every reserve should commit: the authorizations have units to spare)
 * @param failuresToCaller operations whose caller saw a serialization failure or deadlock (after any retries)
 * @param otherFailures operations that failed for any other reason
 * @param attempts transaction attempts in all, so {@code attempts / commits} is the work paid per commit
 * @param endLimit the concurrency limit at the end of the cell, or -1 without one
 * @param meanLimit the concurrency limit's mean over the cell (sampled every 10 ms), or -1 without one
 */
record CurveRow(String database, String variant, int clients, int connections, double seconds, long commits, long failuresToCaller,
        long otherFailures, long attempts, double p50Millis, double p99Millis, int overbooked, int endLimit, double meanLimit, String note) {

    double goodput() {
        return commits / seconds;
    }

    double attemptsPerCommit() {
        return commits == 0 ? Double.NaN : (double) attempts / commits;
    }

    String markdown() {
        return String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %,.0f | %,d | %,d | %.2f | %.1f | %.1f | %d | %s | %s |",
                database, variant, clients, connections, goodput(), failuresToCaller, otherFailures, attemptsPerCommit(), p50Millis,
                p99Millis, overbooked, endLimit < 0 ? "" : String.valueOf(endLimit),
                meanLimit < 0 ? "" : String.format(Locale.ROOT, "%.1f", meanLimit));
    }

    static String markdownHeader() {
        return "| database | variant | clients | connections | goodput (commits/s) | serialization failures to caller | other failures"
                + " | attempts per commit | p50 ms | p99 ms | overbooked | limit at end | mean limit |\n"
                + "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";
    }

    String json() {
        return String.format(Locale.ROOT, "{\"database\":\"%s\",\"variant\":\"%s\",\"clients\":%d,\"connections\":%d,\"seconds\":%.3f,"
                + "\"commits\":%d,\"goodput\":%.1f,\"failuresToCaller\":%d,\"otherFailures\":%d,\"attempts\":%d,\"attemptsPerCommit\":%.3f,"
                + "\"p50Millis\":%.2f,\"p99Millis\":%.2f,\"overbooked\":%d,\"endLimit\":%d,\"meanLimit\":%.2f,\"note\":\"%s\"}",
                database, variant, clients, connections, seconds, commits, goodput(), failuresToCaller, otherFailures, attempts,
                commits == 0 ? 0 : attemptsPerCommit(), p50Millis, p99Millis, overbooked, endLimit, meanLimit, note.replace("\"", "'"));
    }
}
