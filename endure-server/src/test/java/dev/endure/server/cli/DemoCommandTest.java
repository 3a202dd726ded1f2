package dev.endure.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code endure demo} as an operator runs it: a clean progress display, a log file, no store left behind. */
class DemoCommandTest {

    private static final Pattern STORE = Pattern.compile("Store: +(\\S+)");
    /** A log line in the console or file pattern ("13:48:51.265 WARN ..."). */
    private static final Pattern LOG_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR)");

    @TempDir
    Path dir;

    @Test
    void logsGoToAFileTheStoreIsRemovedAndTheDashboardUrlIsPrintedWhileServing() throws Exception {
        Path log = dir.resolve("demo.log");
        CliErrorsTest.Run run = CliErrorsTest.run("demo", "--messages", "20", "--no-wait", "--log-file", log.toString());
        assertThat(run.code()).as("output:%n%s%s", run.out(), run.err()).isEqualTo(ExitCodes.OK);
        String out = run.out();
        assertThat(LOG_LINE.matcher(out).find()).as("a log line in the demo's output:%n%s", out).isFalse();
        assertThat(Files.readString(log)).contains("WARN").contains("endpoint gone disabled");
        // The URL comes before the first progress line, while the server is up, and the end says how to keep it up.
        assertThat(out.indexOf("dashboard, live while the demo runs: http://127.0.0.1:")).isBetween(0, out.indexOf("sending"));
        assertThat(out).contains("lost            0").contains("endure demo --keep-running");
        Matcher store = STORE.matcher(out);
        assertThat(store.find()).isTrue();
        assertThat(Path.of(store.group(1))).doesNotExist();
    }

    @Test
    void keepStoreKeepsIt() throws Exception {
        CliErrorsTest.Run run = CliErrorsTest.run("demo", "--messages", "5", "--no-wait", "--keep-store", "--log-file",
                dir.resolve("demo.log").toString());
        assertThat(run.code()).as("output:%n%s%s", run.out(), run.err()).isEqualTo(ExitCodes.OK);
        Matcher store = STORE.matcher(run.out());
        assertThat(store.find()).isTrue();
        Path kept = Path.of(store.group(1));
        try {
            assertThat(kept).isDirectory();
            assertThat(run.out()).contains("kept in " + kept);
        } finally {
            DemoCommand.deleteTree(kept);
        }
    }
}
