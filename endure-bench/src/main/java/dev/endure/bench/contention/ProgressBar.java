package dev.endure.bench.contention;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on standard error: redrawn in place four times a second on a terminal, a plain line every
 * ten seconds otherwise (so a log file does not fill with carriage returns). Off with {@code --no-progress}.
 */
final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean enabled;
    private final boolean terminal;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "contention-progress");
        thread.setDaemon(true);
        return thread;
    });
    private ScheduledFuture<?> drawing;
    private String label;
    private long total;
    private long durationNanos;
    private long startNanos;
    private LongSupplier done;

    ProgressBar(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
        this.terminal = System.console() != null;
    }

    /** Starts drawing for a cell of {@code total} operations (or, when 0, of {@code duration}). */
    synchronized void start(String label, long total, Duration duration, LongSupplier done) {
        if (!enabled) {
            return;
        }
        this.label = label;
        this.total = total;
        this.durationNanos = duration == null ? 0 : duration.toNanos();
        this.startNanos = System.nanoTime();
        this.done = done;
        long period = terminal ? 250 : 10_000;
        drawing = timer.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (drawing != null) {
            drawing.cancel(false);
            drawing = null;
            draw();
            if (terminal) {
                out.println();
            }
        }
    }

    private synchronized void draw() {
        long completed = done.getAsLong();
        long elapsed = System.nanoTime() - startNanos;
        double fraction = total > 0 ? (double) completed / total : durationNanos > 0 ? (double) elapsed / durationNanos : 0;
        fraction = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = elapsed / 1e9;
        double rate = seconds > 0 ? completed / seconds : 0;
        double remaining = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
        String line = String.format(Locale.ROOT, "%-32s [%s%s] %5.1f%% %,9d ops %,7.0f ops/s ETA %4.0fs", label,
                "#".repeat(filled), ".".repeat(WIDTH - filled), fraction * 100, completed, rate, remaining);
        out.print(terminal ? "\r" + line : line + System.lineSeparator());
        out.flush();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
