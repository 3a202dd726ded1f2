package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/** The server logs through Logback: JSON lines with ENDURE_LOG_FORMAT=json, per-package levels from a logback file. */
class LoggingTest {

    @TempDir
    Path dir;

    @Test
    void jsonFormatWritesOneJsonObjectPerLine() throws Exception {
        List<String> output = serveUntilListening(Map.of("ENDURE_LOG_FORMAT", "json"), List.of());
        JsonNode listening = output.stream().filter(line -> line.startsWith("{")).map(LoggingTest::json)
                .filter(node -> node.path("formattedMessage").asText().startsWith("endure server listening on http://127.0.0.1:"))
                .findFirst().orElseThrow(() -> new AssertionError("no JSON log line in:\n" + String.join("\n", output)));
        assertThat(listening.path("level").asText()).isEqualTo("INFO");
        assertThat(listening.path("loggerName").asText()).isEqualTo("dev.endure.server.EndureServer");
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
        List<String> output = serveUntilListening(Map.of(), List.of("-Dlogback.configurationFile=" + config));
        assertThat(output).noneMatch(line -> line.contains("endure server listening"));
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

    /** Runs {@code endure serve} in a child JVM until it says where it serves, then stops it; returns its output. */
    private List<String> serveUntilListening(Map<String, String> env, List<String> jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.endure.server.cli.EndureCommand",
                "serve", "--port", "0", "--data-dir", dir.resolve("data").toString()));
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
            await().atMost(Duration.ofSeconds(60)).until(() -> output.stream().anyMatch(l -> l.startsWith("Endure is serving on")) || !process.isAlive());
            assertThat(process.isAlive()).as("server output:%n%s", String.join("\n", output)).isTrue();
        } finally {
            process.destroy();
            process.waitFor();
            reader.join(Duration.ofSeconds(10).toMillis());
        }
        return List.copyOf(output);
    }
}
