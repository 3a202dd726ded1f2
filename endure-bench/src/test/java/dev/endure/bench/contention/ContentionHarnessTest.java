package dev.endure.bench.contention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.jdbc.TransactionRunner;
import dev.endure.jdbc.example.UnitsException;
import dev.endure.retry.Retrier;
import dev.endure.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A small end-to-end run of the harness on the test PostgreSQL, and how it names outcomes. */
class ContentionHarnessTest {

    @Test
    void aSmallRunOfEveryScenarioReportsIntegrityAndWritesJson(@TempDir Path directory) throws Exception {
        Path json = directory.resolve("report.json");

        int exit = new CommandLine(new ContentionHarness()).execute("--url", TestDatabases.postgresBaseUrl(), "--clients", "4",
                "--operations", "60", "--policies", "default,no-retry", "--throughput-authorizations", "200",
                "--json", json.toString(), "--no-progress");

        assertThat(exit).as("0 means no overbooking, no miscount, accounting matches").isZero();
        String report = Files.readString(json);
        assertThat(count(report, "\"scenario\": ")).isEqualTo(6);
        assertThat(count(report, "\"operations\": 60,")).isEqualTo(6);
        assertThat(count(report, "\"overbookedAuthorizations\": 0,")).isEqualTo(6);
        assertThat(count(report, "\"accountingMatches\": true")).isEqualTo(6);
        assertThat(report).contains("\"attemptsHistogram\": [").contains("\"p99\": ").contains("\"enableSeqscan\": \"off\"");
    }

    @Test
    void outcomesNameTheReasonTheCallerSaw() throws Exception {
        Retrier<Object> once = Retrier.of(TransactionRunner.policyBuilder().maxAttempts(1).build());
        Throwable exhausted = null;
        try {
            once.execute(context -> {
                throw new SQLException("ERROR: could not serialize access due to concurrent update", "40001");
            });
        } catch (Exception e) {
            exhausted = e;
        }

        Outcome serialization = Outcome.of(exhausted);
        assertThat(serialization.kind()).isEqualTo(Outcome.Kind.EXHAUSTED);
        assertThat(serialization.reason()).isEqualTo("exhausted after 1 attempt: serialization failure (40001)");
        assertThat(serialization.serializationFailure()).isTrue();
        Outcome refused = Outcome.of(new UnitsException(UnitsException.Reason.INSUFFICIENT_UNITS, "5 free; 10 requested"));
        assertThat(refused.kind()).isEqualTo(Outcome.Kind.REFUSED);
        assertThat(refused.reason()).isEqualTo("refused: insufficient units");
        assertThat(Outcome.of(new SQLException("duplicate", "23505")).reason()).isEqualTo("not a transient SQL failure (23505)");
    }

    @Test
    void everyPolicyClassifiesBySqlStateAndTheRetryingOnesMakeTheSameNumberOfAttempts() {
        for (PolicyChoice choice : PolicyChoice.values()) {
            var policy = choice.policy(5);
            assertThat(policy.maxAttempts()).as(choice.label()).isEqualTo(choice == PolicyChoice.NO_RETRY ? 1 : 5);
            // The runner refuses a policy that would re-run a transaction for a non-transient failure.
            assertThat(TransactionRunner.builder(TestDatabases.h2().dataSource()).retryPolicy(policy).build()).isNotNull();
        }
        assertThat(PolicyChoice.DEFAULT.policy(5).backoff()).isEqualTo(TransactionRunner.DEFAULT_BACKOFF);
    }

    private static int count(String text, String needle) {
        Matcher matcher = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
