package dev.endure.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.VirtualTime;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.testing.SeverableTcpProxy;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker against a PostgreSQL it reaches through a proxy the test can sever: a database blip while a
 * result is being recorded, and a claim loop that keeps failing. Loud (one event per change of state,
 * counters, health) and bounded (the result lands once the store is back; nothing stays in flight).
 */
class StoreOutageWorkerTest {

    private final VirtualTime time = new VirtualTime(Instant.parse("2026-03-01T12:00:00Z"));
    private final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    private final List<WorkerHealth> healthWhenUnreachable = new CopyOnWriteArrayList<>();
    private SeverableTcpProxy proxy;
    private HikariDataSource pool;
    private JdbcDeliveryStore store;
    private DeliveryService service;
    private Receiver receiver;
    private DeliveryWorker worker;

    @BeforeEach
    void setUp() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        URI target = URI.create(database.url().substring("jdbc:".length()));
        proxy = new SeverableTcpProxy(target.getHost(), target.getPort());
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url().replace(":" + target.getPort() + "/", ":" + proxy.port() + "/"));
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(250); // the bounded wait a server uses, so a dead store fails fast
        pool = new HikariDataSource(config);
        store = JdbcDeliveryStore.migrate(pool);
        service = DeliveryService.builder(store).ssrfGuard(SsrfGuard.defaults().allowingLoopback()).clock(time).build();
        receiver = new Receiver();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (worker != null) {
            worker.close();
        }
        receiver.close();
        pool.close();
        proxy.close();
    }

    private DeliveryWorker.Builder builder() {
        return DeliveryWorker.builder(store).owner("blip-node").clock(time).ssrfGuard(SsrfGuard.defaults().allowingLoopback())
                .breaker(null).concurrency(2).listener(events::add);
    }

    @Test
    void aResultTheStoreCannotTakeIsRetriedUntilItLandsAndTheOutageIsReportedOnce() {
        service.createEndpoint(Endpoint.of("ep_blip", receiver.url("/in"), WebhookSecret.generate()));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_blip").get(0).deliveryId();
        HttpClientTransport real = HttpClientTransport.create();
        worker = builder().transport(request -> {
            var response = real.send(request);
            proxy.sever(); // the receiver said 200; the database goes away before the result is written
            return response;
        }).listener(event -> {
            if (event instanceof DeliveryEvent.StoreUnreachable) {
                healthWhenUnreachable.add(worker.health());
                CompletableFuture.runAsync(proxy::restore, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
            }
        }).build();

        worker.runOnce();

        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> assertThat(a.httpStatus()).isEqualTo(200));
        assertThat(receiver.received()).hasSize(1);
        assertThat(events.stream().filter(DeliveryEvent.StoreUnreachable.class::isInstance)).singleElement()
                .satisfies(e -> assertThat(((DeliveryEvent.StoreUnreachable) e).operation()).isEqualTo("record result"));
        assertThat(events.stream().filter(DeliveryEvent.StoreReachable.class::isInstance)).hasSize(1);
        assertThat(healthWhenUnreachable).singleElement().satisfies(h -> {
            assertThat(h.healthy()).isFalse();
            assertThat(h.problem()).startsWith("the worker cannot reach the store: ");
        });
        WorkerHealth after = worker.health();
        assertThat(after.healthy()).isTrue();
        assertThat(after.storeWriteRetries()).isPositive();
        assertThat(worker.processingFailures()).isZero();
    }

    @Test
    void aClaimLoopThatKeepsFailingIsReportedOnceMakesTheWorkerUnhealthyAndRecovers() {
        service.createEndpoint(Endpoint.of("ep_loop", receiver.url("/in"), WebhookSecret.generate()));
        worker = DeliveryWorker.builder(store).owner("loop-node").ssrfGuard(SsrfGuard.defaults().allowingLoopback())
                .pollInterval(Duration.ofMillis(20)).listener(events::add).build();
        worker.start();
        proxy.sever();

        await("claim loop failing").atMost(Duration.ofSeconds(20)).until(() -> !worker.health().healthy());
        assertThat(worker.health().claimLoopFailing()).isTrue();
        assertThat(worker.health().problem()).startsWith("the claim loop failed ");
        long failuresSoFar = worker.health().claimFailures();
        await("more failed polls").atMost(Duration.ofSeconds(20)).until(() -> worker.health().claimFailures() >= failuresSoFar + 3);
        proxy.restore();
        // A loaded machine may take a moment to open the first connection again: send once the store answers.
        await("store answers again").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> store.countsByState() != null);
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_loop").get(0).deliveryId();

        await("delivered after the outage").atMost(Duration.ofSeconds(20))
                .until(() -> store.delivery(delivery).orElseThrow().state() == DeliveryState.DELIVERED);
        assertThat(worker.health().healthy()).isTrue();
        assertThat(events.stream().filter(DeliveryEvent.ClaimLoopFailing.class::isInstance)).hasSize(1);
        assertThat(events.stream().filter(DeliveryEvent.ClaimLoopRecovered.class::isInstance)).singleElement()
                .satisfies(e -> assertThat(((DeliveryEvent.ClaimLoopRecovered) e).failedPolls()).isGreaterThanOrEqualTo(6));
    }
}
