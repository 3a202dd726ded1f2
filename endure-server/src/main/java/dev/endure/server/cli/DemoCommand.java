package dev.endure.server.cli;

import dev.endure.server.demo.DemoReport;
import dev.endure.server.demo.DemoRun;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code endure demo}: the one-minute tour (see {@link DemoRun}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the server on a fresh embedded store with misbehaving local receivers, send messages, report.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--messages", defaultValue = "300", description = "messages to send, each to every receiver (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--port", defaultValue = "0", description = "HTTP port of the server (default: a free one)")
    int port;

    @Option(names = "--wait", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "keep the server (and dashboard) up after the report until Enter is pressed, when run in a terminal (default ${DEFAULT-VALUE})")
    boolean wait;

    @Override
    public Integer call() throws Exception {
        // The report says it all; per-delivery log lines would scroll the progress bar away.
        System.setProperty("org.slf4j.simpleLogger.log.dev.endure.server.deliveries", "warn");
        Path dataDir = Files.createTempDirectory("endure-demo-");
        try (DemoRun demo = DemoRun.start(dataDir, port, System.out)) {
            DemoReport report = demo.run(messages, Duration.ofSeconds(50));
            System.out.print(report.render());
            if (wait && System.console() != null) {
                System.out.println("The server keeps running for the dashboard; press Enter to stop.");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            return report.lost() == 0 && report.stillPending() == 0 ? 0 : 1;
        }
    }
}
