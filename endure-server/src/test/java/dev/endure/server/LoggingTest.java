package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server logs through Logback with the jar's logback.xml: JSON lines with ENDURE_LOG_FORMAT=json,
 * levels from a logback file of one's own. Each case runs a child JVM with the server's class path that
 * logs the way the server does (starting a whole server per case would only add seconds).
 */
class LoggingTest {

    /** The child: logs one INFO line with a key-value pair from the server's logger, and one from a library's. */
    public static final class Probe {
        public static void main(String[] args) {
            org.slf4j.LoggerFactory.getLogger(EndureServer.class).atInfo().addKeyValue("port", 8080)
                    .log("endure server listening on http://127.0.0.1:8080");
            org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty.server.Server").info("jetty chatter");
            System.out.println("Endure is serving on http://127.0.0.1:8080");
        }
    }

    @TempDir
    Path dir;

    @Test
    void jsonFormatWritesOneJsonObjectPerLine() throws Exception {
        List<String> output = runProbe(Map.of("ENDURE_LOG_FORMAT", "json"), List.of());
        JsonNode listening = output.stream().filter(line -> line.startsWith("{")).map(LoggingTest::json)
                .filter(node -> node.path("formattedMessage").asText().startsWith("endure server listening on http://127.0.0.1:"))
                .findFirst().orElseThrow(() -> new AssertionError("no JSON log line in:\n" + String.join("\n", output)));
        assertThat(listening.path("level").asText()).isEqualTo("INFO");
        assertThat(listening.path("loggerName").asText()).isEqualTo("dev.endure.server.EndureServer");
        assertThat(listening.path("kvpList").toString()).contains("\"port\"").contains("8080");
        assertThat(output).noneMatch(line -> line.contains("jetty chatter")); // libraries at WARN by default
    }

    @Test
    void levelsComeFromTheLogbackFile() throws Exception {
        Path config = dir.resolve("logback.xml");
        Files.writeString(config, """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>custom %level %logger %msg%n</pattern></encoder>
                  </appender>
                  <logger name="dev.endure.server.EndureServer" level="WARN"/>
                  <root level="INFO"><appender-ref ref="out"/></root>
                </configuration>
                """);
        List<String> output = runProbe(Map.of(), List.of("-Dlogback.configurationFile=" + config));
        assertThat(output).noneMatch(line -> line.contains("endure server listening"));
        assertThat(output).contains("custom INFO org.eclipse.jetty.server.Server jetty chatter");
        // The file is in charge: nothing reaches the console in the jar's default text pattern.
        assertThat(output).noneMatch(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"));
    }

    private static JsonNode json(String line) {
        try {
            return Json.read(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /** Runs {@link Probe} in a child JVM to its end; returns its output. */
    private List<String> runProbe(Map<String, String> env, List<String> jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("ENDURE_LOG_FORMAT");
        builder.environment().remove("ENDURE_LOG_LEVEL");
        builder.environment().putAll(env);
        Process process = builder.start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.add(line);
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the probe ends by itself").isTrue();
            reader.join(Duration.ofSeconds(10).toMillis());
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as("probe output:%n%s", String.join("\n", output)).isZero();
        return List.copyOf(output);
    }
}
