package dev.endure.budget.store;

import static org.awaitility.Awaitility.await;

import dev.endure.budget.RetryBudget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/** One instance of the several-JVM test: joins the shared budget, spends what it may on failing calls, reports. */
public final class BudgetProcess {

    private BudgetProcess() {}

    private static void expect(BufferedReader commands, String command) throws IOException {
        String line = commands.readLine();
        if (!command.equals(line)) {
            System.out.println("UNEXPECTED " + line);
            System.exit(2);
        }
    }

    /** Arguments: JDBC URL, budget name, instances expected in all, calls to make. Reads GO, then EXIT, from stdin. */
    public static void main(String[] args) throws IOException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(args[0]);
        int instances = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[3]);
        try (JdbcRetryBudgetStore store = JdbcRetryBudgetStoreTest.store(dataSource)) {
            RetryBudget budget = RetryBudget.shared(JdbcRetryBudgetStoreTest.policy(args[1]), store);
            await().atMost(Duration.ofSeconds(60)).until(() -> budget.otherInstances() == instances - 1);
            System.out.println("READY");
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            expect(commands, "GO");
            System.out.println("GRANTED " + JdbcRetryBudgetStoreTest.failingCalls(budget, calls));
            expect(commands, "EXIT"); // stay in the cluster until every instance has made its calls
        }
        System.exit(0);
    }
}
