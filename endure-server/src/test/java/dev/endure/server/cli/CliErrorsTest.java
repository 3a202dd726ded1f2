package dev.endure.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mistakes an operator makes first: each answers in one or two lines that say what failed and what
 * to do, with a documented exit code, and never a stack trace.
 */
class CliErrorsTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {

        List<String> errLines() {
            return err.lines().filter(line -> !line.isBlank()).toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = EndureCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertShortError(Run run, int code) {
        assertThat(run.code()).as("exit code; stderr was:%n%s", run.err()).isEqualTo(code);
        assertThat(run.errLines()).as("stderr:%n%s", run.err()).hasSizeBetween(1, 2);
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void serverDownSaysWhichUrlAndHowToStartIt() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        Run run = run("status", "--url", url, "--api-key", "ek_test");
        assertShortError(run, ExitCodes.UNREACHABLE);
        assertThat(run.err()).contains("cannot reach " + url).contains("endure serve");
    }

    @Test
    void missingApiKeyNamesTheOptionAndTheVariable() {
        Run run = run("status", "--url", "http://127.0.0.1:9", "--api-key", "");
        assertShortError(run, ExitCodes.USAGE);
        assertThat(run.err()).contains("no API key").contains("--api-key").contains("ENDURE_API_KEY").contains("endure keys new");
    }

    @Test
    void malformedUrlSaysWhatAUrlLooksLike() {
        for (String bad : List.of("127.0.0.1:8080", "http//127.0.0.1:8080", "ftp://127.0.0.1/x", "http://exa mple")) {
            Run run = run("status", "--url", bad, "--api-key", "ek_test");
            assertShortError(run, ExitCodes.USAGE);
            assertThat(run.err()).contains("--url").contains(bad).contains("http://127.0.0.1:8080");
        }
    }

    @Test
    void missingPayloadFileNamesThePath() {
        Path missing = dir.resolve("nope.json");
        Run run = run("send", "--url", "http://127.0.0.1:9", "--api-key", "ek_test", "--event", "a.b", "--payload", "@" + missing);
        assertShortError(run, ExitCodes.USAGE);
        assertThat(run.err()).contains("--payload").contains(missing.toString()).contains("no such file");
    }

    @Test
    void unknownScopeListsTheValidOnes() {
        Run run = run("keys", "new", "--name", "ops", "--scopes", "read,wrte");
        assertShortError(run, ExitCodes.USAGE);
        assertThat(run.err()).contains("wrte").contains("read, send, manage");
        assertThat(run.out()).doesNotContain("ek_");
    }

    @Test
    void wrongDatabaseNamesTheSupportedOnes() {
        for (String db : List.of("jdbc:mysql://127.0.0.1:3306/endure", "postgres://127.0.0.1/endure")) {
            Run run = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> run("serve", "--db", db, "--port", "0", "--data-dir", dir.toString()));
            assertShortError(run, ExitCodes.USAGE);
            assertThat(run.err()).contains("--db").contains(db).contains("PostgreSQL").contains("jdbc:postgresql://");
        }
    }

    @Test
    void portInUseNamesThePortAndTheOption() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> run("serve", "--port", Integer.toString(port), "--host", "127.0.0.1", "--data-dir", dir.resolve("data").toString()));
            assertShortError(run, ExitCodes.CANNOT_START);
            assertThat(run.err()).contains("port " + port).contains("in use").contains("--port");
        }
    }

    @Test
    void unknownOptionIsOneLineAndPointsAtHelp() {
        Run run = run("send", "--evnt", "a.b");
        assertShortError(run, ExitCodes.USAGE);
        assertThat(run.err()).contains("--evnt").contains("endure send --help");
    }

    @Test
    void helpKeepsUrlsOnOneLine() {
        for (String command : List.of("serve", "send", "status")) {
            Run run = run(command, "--help");
            assertThat(run.code()).isZero();
            for (String line : run.out().lines().toList()) {
                // A URL that the wrapper cut ends a line with "//", ":" or a partial host; require each to be whole.
                assertThat(line).doesNotMatch(".*(https?|jdbc:postgresql):/?/?$");
            }
            assertThat(run.out()).containsAnyOf("http://127.0.0.1:8080", "jdbc:postgresql://db:5432/endure");
        }
    }
}
