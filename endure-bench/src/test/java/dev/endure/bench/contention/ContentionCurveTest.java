package dev.endure.bench.contention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.testing.TestDatabases;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A one-second-a-cell run of the contention curve on the test PostgreSQL (pgbench too, when it is installed). */
class ContentionCurveTest {

    @Test
    void aShortCurveCommitsEveryReservationWithoutOverbookingAndWritesJson(@TempDir Path directory) throws Exception {
        Path json = directory.resolve("curve.json");
        boolean pgbench = onPath("pgbench");
        List<String> args = new ArrayList<>(List.of("--pg-url", TestDatabases.postgresBaseUrl(), "--mariadb-url", "none",
                "--clients", "3", "--duration", "PT1S", "--json", json.toString(),
                "--variants", pgbench ? "pgbench,per-client,fixed,adaptive" : "per-client,fixed,adaptive"));
        if (!pgbench) {
            System.out.println("pgbench is not on the PATH: the curve's pgbench rows are left out");
        }

        int exit = new CommandLine(new ContentionCurve()).execute(args.toArray(String[]::new));

        assertThat(exit).as("0 means no overbooking in any cell").isZero();
        String report = Files.readString(json);
        int rows = pgbench ? 5 : 3;
        assertThat(Pattern.compile("\"clients\":3,").matcher(report).results().count()).isEqualTo(rows);
        assertThat(Pattern.compile("\"overbooked\":0,").matcher(report).results().count()).isEqualTo(rows);
        assertThat(report).contains("\"variant\":\"endure, adaptive limit\"").doesNotContain("\"commits\":0,");
        if (pgbench) {
            // pgbench's connecting is not part of its cell (as Endure's pools open before the clock): each pgbench row
            // measured at least the cell's second (pgbench's -T once included connecting: 1 s minus its connect time)
            Matcher seconds = Pattern.compile("\"variant\":\"pgbench[^}]*?\"seconds\":([0-9.]+)").matcher(report);
            List<Double> windows = new ArrayList<>();
            while (seconds.find()) {
                windows.add(Double.parseDouble(seconds.group(1)));
            }
            assertThat(windows).hasSize(2).allSatisfy(window -> assertThat(window).isGreaterThanOrEqualTo(1.0));
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
