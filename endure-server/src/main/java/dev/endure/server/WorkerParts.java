package dev.endure.server;

import dev.endure.Clock;
import dev.endure.breaker.store.JdbcBreakerStore;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.DeliveryWorker;
import dev.endure.delivery.jdbc.JdbcEndpointRateLimits;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.ops.OperatorNotifier;
import java.net.URI;
import javax.sql.DataSource;

/**
 * The parts of a server's worker that depend on settings beyond its builder's: per-endpoint adaptive concurrency
 * ({@code worker.adaptiveConcurrency}), limits shared by every server on one database ({@code worker.sharedLimits}:
 * the rate buckets of {@link JdbcEndpointRateLimits} and core's {@link JdbcBreakerStore}), and the operator's events
 * ({@code operator.*}).
 */
final class WorkerParts {

    private WorkerParts() {}

    /**
     * Configures {@code builder}; returns the breaker store to close after the worker, or null.
     */
    static JdbcBreakerStore configure(DeliveryWorker.Builder builder, ServerConfig config, DataSource pool, String owner, Clock clock) {
        int concurrency = config.integer(ConfigKey.WORKER_CONCURRENCY);
        builder.adaptiveConcurrency(ConcurrencyLimitPolicy.adaptive("webhook").initialLimit(Math.min(8, concurrency))
                .maxLimit(Math.max(1, concurrency)).build(), config.flag(ConfigKey.WORKER_ADAPTIVE_CONCURRENCY));
        if (config.embeddedStore() || !config.flag(ConfigKey.WORKER_SHARED_LIMITS)) {
            return null; // one node: its own limits are the cluster's
        }
        builder.rateLimits(JdbcEndpointRateLimits.create(pool, owner, clock));
        JdbcBreakerStore breakers = JdbcBreakerStore.builder(pool).build().createTableIfMissing();
        builder.breakerStore(breakers);
        return breakers;
    }

    /** The operator's notifier, registered as a worker listener, or null when {@code operator.webhookUrl} is empty. */
    static OperatorNotifier operator(DeliveryWorker.Builder builder, ServerConfig config, DeliveryStore store, Clock clock) {
        String url = config.string(ConfigKey.OPERATOR_WEBHOOK_URL);
        if (url.isBlank() || builder == null) {
            return null;
        }
        OperatorNotifier notifier = OperatorNotifier.start(store, clock, URI.create(url),
                WebhookSecret.parse(config.string(ConfigKey.OPERATOR_SECRET)), config.list(ConfigKey.OPERATOR_EVENTS));
        builder.listener(notifier);
        return notifier;
    }
}
