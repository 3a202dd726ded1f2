package dev.endure.bench.delivery;

import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.endure.delivery.DeliveryPolicy;
import dev.endure.delivery.FailureRateRule;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookSigner;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.WebhookRequest;
import dev.endure.delivery.transport.WebhookResponse;
import dev.endure.delivery.transport.WebhookTransport;
import dev.endure.retry.Backoff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * The work both systems do, defined once: the retry policy (1 s fixed, so a receiver's {@code Retry-After: 1}
 * decides the delay exactly), the transport, and db-scheduler's task that sends the same signed POST.
 */
final class BenchWork {

    static final String TASK_NAME = "webhook";
    static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    private BenchWork() {}

    static DeliveryPolicy policy() {
        return DeliveryPolicy.builder().backoff(Backoff.fixed(Duration.ofSeconds(1))).maxAttempts(5).timeout(Duration.ofSeconds(10))
                .failureRate(FailureRateRule.NEVER).build();
    }

    static SsrfGuard guard() {
        return SsrfGuard.defaults().allowingLoopback();
    }

    static dev.endure.delivery.transport.HttpClientTransport transport() {
        return dev.endure.delivery.transport.HttpClientTransport.create();
    }

    /**
     * One task per message; its id is the message id and its data the payload. It vets the URL, signs,
     * POSTs and throws on a non-2xx answer, so db-scheduler retries it 1 s later.
     */
    static OneTimeTask<String> dbSchedulerTask(URI url, WebhookSecret secret, WebhookTransport transport, SsrfGuard guard) {
        return Tasks.oneTime(TASK_NAME, String.class)
                .onFailure(new FailureHandler.MaxRetriesFailureHandler<>(5, new FailureHandler.OnFailureRetryLater<>(Duration.ofSeconds(1))))
                .execute((instance, context) -> {
                    try {
                        Instant now = Instant.now();
                        var addresses = guard.vet(url);
                        var headers = WebhookSigner.headers(instance.getId(), now, instance.getData(), List.of(secret));
                        WebhookResponse response = transport.send(new WebhookRequest(url, addresses, headers, instance.getData(),
                                Duration.ofSeconds(10)));
                        if (response.status() < 200 || response.status() > 299) {
                            throw new IllegalStateException("HTTP " + response.status());
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /** db-scheduler's table on PostgreSQL (its documented columns). */
    static void createDbSchedulerTable(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS scheduled_tasks (task_name TEXT NOT NULL, task_instance TEXT NOT NULL,"
                    + " task_data BYTEA, execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, picked_by TEXT,"
                    + " last_success TIMESTAMP WITH TIME ZONE, last_failure TIMESTAMP WITH TIME ZONE, consecutive_failures INT,"
                    + " last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, priority SMALLINT,"
                    + " PRIMARY KEY (task_name, task_instance))");
            statement.execute("CREATE INDEX IF NOT EXISTS execution_time_idx ON scheduled_tasks (execution_time)");
            statement.execute("CREATE INDEX IF NOT EXISTS last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            statement.execute("CREATE INDEX IF NOT EXISTS priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    /** The payload of message {@code n}: small JSON, every tenth asking the receiver to fail its first attempt. */
    static String payload(long n, boolean failOnce) {
        return "{\"type\":\"invoice.paid\",\"n\":" + n + ",\"failOnce\":" + failOnce + ",\"amount\":4200,\"currency\":\"EUR\"}";
    }
}
