package dev.endure.bench.delivery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** What one cell measured, and the side-by-side table of all cells. */
record CellResult(String name, String failure, double fillPerSecond, int queued, int drained, double saturationPerSecond, double commitsPerDelivery, double roundTripsPerDelivery,
        long saturationConnections, long saturationRequests, double offeredPerSecond, long sent, List<Long> latencyNanos,
        List<Long> latenessNanos, long expectedRetries, long loadConnections, long loadRequests) {

    static CellResult failed(String name, String failure) {
        return new CellResult(name, failure, 0, 0, 0, 0, Double.NaN, Double.NaN, 0, 0, 0, 0, List.of(), List.of(), 0, 0, 0);
    }

    static String table(List<CellResult> results, int rate) {
        StringBuilder out = new StringBuilder();
        out.append("| cell | queue fill msg/s | drained | deliveries/s at saturation | commits per delivery | worker round trips per delivery | offered msg/s | accept→first attempt p50 / p99 ms"
                + " | retries on time | retry lateness p50 / p99 ms | connections / requests |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (CellResult r : results) {
            if (r.failure != null) {
                out.append("| ").append(r.name).append(" | failed: ").append(r.failure).append(" |||||||||\n");
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %d/%d | **%.0f** | %s | %s | %.0f (asked %d) | %s / %s (of %d/%d) | %d/%d | %s / %s | %d / %d |%n",
                    r.name, r.fillPerSecond, r.drained, r.queued, r.saturationPerSecond,
                    Double.isNaN(r.commitsPerDelivery) ? "–" : String.format(Locale.ROOT, "%.2f", r.commitsPerDelivery),
                    Double.isNaN(r.roundTripsPerDelivery) ? "–" : String.format(Locale.ROOT, "%.2f", r.roundTripsPerDelivery), r.offeredPerSecond,
                    rate, millis(r.latencyNanos, 0.50), millis(r.latencyNanos, 0.99), r.latencyNanos.size(), r.sent,
                    r.latenessNanos.size(), r.expectedRetries, millis(r.latenessNanos, 0.50), millis(r.latenessNanos, 0.99),
                    r.saturationConnections + r.loadConnections, r.saturationRequests + r.loadRequests));
        }
        return out.toString();
    }

    static String millis(List<Long> nanos, double quantile) {
        if (nanos.isEmpty()) {
            return "–";
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
        return String.format(Locale.ROOT, "%.1f", sorted.get(Math.max(0, index)) / 1e6);
    }
}
