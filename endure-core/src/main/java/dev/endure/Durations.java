package dev.endure;

import java.time.Duration;
import java.util.Locale;

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
            return String.format(Locale.ROOT, "%.2f", nanos / 1_000_000.0).replaceAll("0+$", "") + " ms";
        }
        if (nanos < 10_000_000_000L) {
            long millis = nanos / 1_000_000;
            if (millis < 1000) {
                return millis + " ms";
            }
            return String.format(Locale.ROOT, "%.3f", millis / 1000.0).replaceAll("\\.?0+$", "") + " s";
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
}
