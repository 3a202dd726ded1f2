package dev.endure.bench.contention;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders the results as Markdown tables (for BENCHMARKS.md) and as JSON. */
final class Report {

    private Report() {}

    /** One table of outcomes and latency and one of attempts per scenario, then the failure reasons. */
    static String table(Map<String, Object> settings, List<Scenario> scenarios, List<CellResult> results) {
        StringBuilder text = new StringBuilder();
        text.append("Settings: ");
        settings.forEach((key, value) -> text.append(key).append('=').append(value).append("; "));
        text.setLength(text.length() - 2);
        text.append("\n");
        for (Scenario scenario : scenarios) {
            List<CellResult> rows = results.stream().filter(result -> result.scenario().equals(scenario.name())).toList();
            if (rows.isEmpty()) {
                continue;
            }
            text.append("\n### ").append(scenario.name()).append(": ").append(scenario.shape()).append("\n\n");
            text.append("| policy | ops | ok | refused | exhausted | other failures | serialization failures to caller"
                    + " | serialization failures / attempt | ops/s | p50 ms | p95 ms | p99 ms | max ms | overbooked | miscounted | accounting |\n");
            text.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (CellResult row : rows) {
                text.append(String.format(Locale.ROOT,
                        "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %.1f %% | %,.0f | %.1f | %.1f | %.1f | %.1f | %d | %d | %s |%n",
                        row.policy(), row.operations(), row.count(Outcome.Kind.OK), row.count(Outcome.Kind.REFUSED),
                        row.count(Outcome.Kind.EXHAUSTED), row.count(Outcome.Kind.FAILED) + row.count(Outcome.Kind.COMMIT_UNKNOWN),
                        row.serializationFailuresToCaller(), row.serializationFailureRate() * 100, row.throughput(),
                        row.p50Millis(), row.p95Millis(), row.p99Millis(), row.maxMillis(), row.overbooked(), row.miscounted(),
                        row.accountingMatches() ? "ok" : "MISMATCH"));
            }
            int buckets = rows.stream().mapToInt(row -> row.attemptsHistogram().length).max().orElse(1);
            text.append("\nAttempts per operation:\n\n| policy |");
            for (int attempts = 1; attempts <= buckets; attempts++) {
                text.append(' ').append(attempts).append(" |");
            }
            text.append("\n|---|").append("---:|".repeat(buckets)).append('\n');
            for (CellResult row : rows) {
                text.append("| ").append(row.policy()).append(" |");
                for (int i = 0; i < buckets; i++) {
                    long count = i < row.attemptsHistogram().length ? row.attemptsHistogram()[i] : 0;
                    text.append(String.format(Locale.ROOT, " %,d |", count));
                }
                text.append('\n');
            }
            text.append("\nRefusals and failures by reason:\n\n");
            for (CellResult row : rows) {
                text.append("- ").append(row.policy()).append(": ");
                if (row.reasons().isEmpty()) {
                    text.append("none");
                } else {
                    List<String> parts = new ArrayList<>();
                    row.reasons().forEach((reason, count) -> parts.add(String.format(Locale.ROOT, "%s %,d", reason, count)));
                    text.append(String.join("; ", parts));
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    static String json(Map<String, Object> settings, List<CellResult> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", settings);
        List<Object> cells = new ArrayList<>();
        for (CellResult row : results) {
            Map<String, Object> cell = new LinkedHashMap<>();
            cell.put("scenario", row.scenario());
            cell.put("policy", row.policy());
            cell.put("policyDescription", row.policyDescription());
            cell.put("operations", row.operations());
            cell.put("seconds", round(row.seconds()));
            cell.put("throughputPerSecond", round(row.throughput()));
            Map<String, Object> outcomes = new LinkedHashMap<>();
            for (Outcome.Kind kind : Outcome.Kind.values()) {
                outcomes.put(kind.name().toLowerCase(Locale.ROOT), row.count(kind));
            }
            cell.put("outcomes", outcomes);
            cell.put("reasons", row.reasons());
            cell.put("exhausted", row.count(Outcome.Kind.EXHAUSTED));
            cell.put("serializationFailuresToCaller", row.serializationFailuresToCaller());
            cell.put("attempts", row.attempts());
            cell.put("serializationFailedAttempts", row.serializationFailedAttempts());
            cell.put("serializationFailureRate", round(row.serializationFailureRate()));
            List<Object> histogram = new ArrayList<>();
            for (long count : row.attemptsHistogram()) {
                histogram.add(count);
            }
            cell.put("attemptsHistogram", histogram);
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("p50", round(row.p50Millis()));
            latency.put("p95", round(row.p95Millis()));
            latency.put("p99", round(row.p99Millis()));
            latency.put("max", round(row.maxMillis()));
            cell.put("latencyMillis", latency);
            cell.put("overbookedAuthorizations", row.overbooked());
            cell.put("miscountedAuthorizations", row.miscounted());
            cell.put("accountingMatches", row.accountingMatches());
            cells.add(cell);
        }
        root.put("results", cells);
        StringBuilder out = new StringBuilder();
        write(out, root, "");
        return out.append('\n').toString();
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static void write(StringBuilder out, Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(indent).append("  ");
                string(out, String.valueOf(entry.getKey()));
                out.append(": ");
                write(out, entry.getValue(), indent + "  ");
                out.append(++i < map.size() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) instanceof Map<?, ?>) {
                    out.append(i == 0 ? "\n" : ",\n").append(indent).append("  ");
                    write(out, list.get(i), indent + "  ");
                    if (i == list.size() - 1) {
                        out.append('\n').append(indent);
                    }
                } else {
                    out.append(i == 0 ? "" : ", ");
                    write(out, list.get(i), indent);
                }
            }
            out.append(']');
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else {
            string(out, String.valueOf(value));
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
