package dev.endure;

import java.time.Duration;

/** Durations written for people: {@code 0.34 ms}, {@code 312 ms}, {@code 1.5 s}, {@code 2 min 30 s}, {@code 10 h}. */
public final class Durations {

    private Durations() {}

    public static String describe(Duration duration) {
        return describeNanos(duration.toNanos());
    }

    public static String describeNanos(long nanos) {
        if (nanos < 0) {
            return "-" + describeNanos(-nanos);
        }
        if (nanos < 1_000_000) {
            // People read milliseconds: "0.34 ms", not "342440 ns" or "0 µs".
            if (nanos == 0) {
                return "0 ms";
            }
            if (nanos < 10_000) {
                return "<0.01 ms";
            }
            return decimal((nanos + 5_000) / 10_000, 2) + " ms"; // hundredths, rounded half up
        }
        if (nanos < 10_000_000_000L) {
            long millis = nanos / 1_000_000;
            if (millis < 1000) {
                return millis + " ms";
            }
            return decimal(millis, 3) + " s";
        }
        long seconds = nanos / 1_000_000_000L;
        if (seconds < 120) {
            return seconds + " s";
        }
        long hours = seconds / 3600;
        long minutes = (seconds % 3600) / 60;
        long rest = seconds % 60;
        StringBuilder text = new StringBuilder();
        if (hours > 0) {
            text.append(hours).append(" h");
        }
        if (minutes > 0) {
            text.append(text.length() > 0 ? " " : "").append(minutes).append(" min");
        }
        if (rest > 0) {
            text.append(text.length() > 0 ? " " : "").append(rest).append(" s");
        }
        return text.toString();
    }

    /**
     * {@code units} of 10^-{@code digits} written without trailing zeros ({@code 150, 3} is "0.15", {@code 1500, 3} "1.5",
     * {@code 2000, 3} "2"); plain arithmetic, because {@code String.format} cost more than the rest of a webhook
     * attempt's decision, and a retry reason that names a {@code Retry-After} is built on every throttled answer.
     */
    private static String decimal(long units, int digits) {
        long scale = digits == 2 ? 100 : 1000;
        long whole = units / scale;
        long fraction = units % scale;
        if (fraction == 0) {
            return Long.toString(whole);
        }
        StringBuilder text = new StringBuilder(8).append(whole).append('.');
        String padded = Long.toString(scale + fraction).substring(1); // leading zeros kept: 5 of 100 is "05"
        int end = padded.length();
        while (padded.charAt(end - 1) == '0') {
            end--;
        }
        return text.append(padded, 0, end).toString();
    }
}
