package dev.endure.server.cli;

import dev.endure.server.demo.DemoLog;
import dev.endure.server.demo.DemoReport;
import dev.endure.server.demo.DemoRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code endure demo}: the one-minute tour (see {@link DemoRun}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the server on a fresh embedded store with misbehaving local receivers, send messages, report.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--messages", defaultValue = "300", description = "messages to send, each to every receiver (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--port", defaultValue = "0", description = "HTTP port of the server (default: a free one)")
    int port;

    @Option(names = "--wait", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "in a terminal, keep the server (and dashboard) up after the report until Enter is pressed (default ${DEFAULT-VALUE})")
    boolean wait;

    @Option(names = "--keep-running", description = "keep the server (and dashboard) up after the report until Ctrl-C or SIGTERM, with or without a terminal")
    boolean keepRunning;

    @Option(names = "--keep-store", description = "keep the demo's store directory afterwards (default: removed)")
    boolean keepStore;

    @Option(names = "--log-file", description = "where the server's log goes during the demo (default: endure-demo.log in the temp directory)")
    Path logFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dataDir = Files.createTempDirectory("endure-demo-");
        Path log = logFile != null ? logFile : Path.of(System.getProperty("java.io.tmpdir"), "endure-demo.log");
        // The progress bar owns the terminal; the server's log lines go to a file instead of through the bar.
        out.println("Server log: " + log.toAbsolutePath());
        out.println("Store:      " + dataDir + (keepStore ? " (kept afterwards: --keep-store)" : " (removed afterwards; --keep-store keeps it)"));
        DemoRun demo;
        DemoLog logging = DemoLog.toFile(log);
        try {
            try {
                demo = DemoRun.start(dataDir, port, out);
            } catch (RuntimeException e) {
                throw StartFailures.explain(e, "127.0.0.1", port, "the demo's embedded store");
            }
            DemoReport report;
            try {
                report = demo.run(messages, Duration.ofSeconds(50));
                out.print(report.render());
                out.flush();
                keepUp(out, demo);
            } finally {
                demo.close();
            }
            out.println("Server stopped." + (keepRunning ? "" : " To keep the dashboard up after the report: endure demo --keep-running"));
            return report.lost() == 0 && report.stillPending() == 0 ? ExitCodes.OK : ExitCodes.REFUSED;
        } finally {
            logging.close();
            if (keepStore) {
                out.println("The demo's store is kept in " + dataDir + " (--keep-store).");
            } else {
                deleteTree(dataDir);
            }
            out.flush();
        }
    }

    private void keepUp(PrintWriter out, DemoRun demo) throws IOException, InterruptedException {
        if (keepRunning) {
            out.println("The server keeps running for the dashboard (--keep-running); stop it with Ctrl-C.");
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                demo.close();
                if (!keepStore) {
                    deleteTree(demo.dataDir());
                }
                stopped.countDown();
            }, "endure-demo-stop"));
            stopped.await();
        } else if (wait && System.console() != null) {
            out.println("The server keeps running for the dashboard; press Enter to stop.");
            out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the demo's store " + dir + ": " + e.getMessage(), e);
        }
    }
}
