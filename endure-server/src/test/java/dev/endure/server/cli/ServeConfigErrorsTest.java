package dev.endure.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 11, defect 8: bad server configurations exited with a Java stack trace and no key path. Each
 * now ends `endure serve` with exit code 2 and one line that names the key path.
 */
class ServeConfigErrorsTest {

    @TempDir
    Path dir;

    private record Run(int code, String err) {}

    private Run serve(String yaml) throws Exception {
        Path file = dir.resolve("endure.yaml");
        Files.writeString(file, yaml.replace("|", "\n") + "\nstore: {dataDir: '" + dir.resolve("data") + "'}\n");
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            // A config the server wrongly accepts would serve forever: fail the test instead of hanging the build.
            int code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                    () -> EndureCommand.commandLine().execute("serve", "--config", file.toString(), "--port", "0"));
            return new Run(code, errors.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "server: {port: 70000}; server.port",
            "server: {port: -1}; server.port",
            "server: {port: .nan}; server.port",
            "server: {host: 'not a host!'}; server.host",
            "policy: {jitter: 5}; policy.jitter",
            "policy: {multiplier: .nan}; policy.multiplier",
            "policy: {multiplier: 0.5}; policy.multiplier",
            "policy: {maxAttempts: 0}; policy.maxAttempts",
            "policy: {cap: 1m}; policy.cap",
            "policy: {floor: 2h}; policy.floor",
            "policy: {initial: 9999999999999999d}; policy.initial",
            "worker: {lease: 50ms}; worker.lease",
            "worker: {concurrency: 0}; worker.concurrency",
            "worker: {pollInterval: 0s}; worker.pollInterval",
            "delivery: {allowTargets: [localhost]}; delivery.allowTargets[0]",
            "delivery: {maxPayloadBytes: 0}; delivery.maxPayloadBytes",
            "dashboard: {historySamples: 0}; dashboard.historySamples",
            "worker: {concurency: 4}; worker.concurency",
            "'server: [1, 2]'; server",
    })
    void aBadSettingEndsServeWithOneLineNamingItsKeyPath(String yaml, String path) throws Exception {
        Run run = serve(yaml);
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains(path + ":").doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("java.");
        assertThat(run.err().strip().lines().filter(line -> !line.startsWith("see: "))).as(run.err()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "store: {url: 'jdbc:postgresql://127.0.0.1:1/none'}; store.url",
            "store: {url: 'not-a-jdbc-url'}; store.url",
    })
    void aStoreThatCannotBeOpenedEndsServeWithOneLineNamingStoreUrl(String yaml, String path) throws Exception {
        Path file = dir.resolve("store.yaml");
        Files.writeString(file, yaml);
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(40),
                    () -> EndureCommand.commandLine().execute("serve", "--config", file.toString(), "--port", "0"));
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        String text = errors.toString(StandardCharsets.UTF_8);
        // A URL the server cannot use is a usage error (2); a database that does not answer cannot start (4).
        assertThat(code).as(text).isIn(ExitCodes.USAGE, ExitCodes.CANNOT_START);
        assertThat(text.strip().lines().findFirst().orElse("")).contains(path);
        assertThat(text).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
