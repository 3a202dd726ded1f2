package dev.endure.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.delivery.Receiver.Answer;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetryEvent;
import dev.endure.testing.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries follow endure-core's rules, not a copy of them: the retry step (decorrelated jitter grows from
 * the previous delay, the store keeps it between claims; a Retry-After ending past the max duration is
 * named), and the status table for the endpoint's breaker (a 4xx never opens it). Real receiver on
 * loopback, real (H2) store, virtual time.
 */
class DeliveryByCoreRulesTest {

    final VirtualTime time = new VirtualTime(Instant.parse("2026-03-01T12:00:00Z"));
    final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    final List<RetryEvent> coreEvents = new CopyOnWriteArrayList<>();
    final SsrfGuard guard = SsrfGuard.defaults().allowingLoopback();
    JdbcDeliveryStore store;
    DeliveryService service;
    Receiver receiver;
    DeliveryWorker worker;

    @BeforeEach
    void setUp() throws Exception {
        store = JdbcDeliveryStore.migrate(TestDatabases.h2().dataSource());
        service = DeliveryService.builder(store).ssrfGuard(guard).clock(time).build();
        receiver = new Receiver();
    }

    @AfterEach
    void tearDown() {
        if (worker != null) {
            worker.close();
        }
        receiver.close();
    }

    DeliveryWorker worker(DeliveryPolicy policy, CircuitBreakerPolicy breaker) {
        worker = DeliveryWorker.builder(store).owner("rules").clock(time).ssrfGuard(guard).random(new SplittableRandom(7))
                .concurrency(1).policy(policy).breaker(breaker).listener(events::add).retryListener(coreEvents::add).build();
        return worker;
    }

    void endpoint(String id) {
        service.createEndpoint(Endpoint.of(id, receiver.url("/hooks/" + id), WebhookSecret.generate()));
    }

    /** Claims, sends and jumps to the next due attempt, {@code rounds} times. */
    void run(String endpointId, int rounds) {
        for (int round = 0; round < rounds; round++) {
            worker.runOnce();
            Instant next = store.endpointStats(endpointId, time.instant()).nextAttemptAt();
            if (next == null) {
                return;
            }
            if (next.isAfter(time.instant())) {
                time.advance(Duration.between(time.instant(), next));
            }
        }
    }

    @Test
    void decorrelatedJitterGrowsFromThePreviousDelayAcrossClaims() {
        endpoint("ep_jitter");
        receiver.otherwise(Answer.of(500));
        service.send(NewMessage.of("e", "{}"), "ep_jitter");
        Duration initial = Duration.ofMinutes(1);
        DeliveryPolicy policy = DeliveryPolicy.builder().maxAttempts(12).maxDuration(Duration.ofDays(30))
                .backoff(Backoff.exponential(initial, 2.0).withCap(Duration.ofDays(1)).withJitter(Jitter.decorrelated()))
                .failureRate(FailureRateRule.NEVER).build();
        worker(policy, null);

        run("ep_jitter", 11);

        List<Duration> delays = events.stream().filter(DeliveryEvent.RetryScheduled.class::isInstance)
                .map(event -> ((DeliveryEvent.RetryScheduled) event).delay()).toList();
        assertThat(delays).hasSize(11);
        // Without the previous delay every retry would be drawn from [1 min, 3 min]; decorrelated jitter
        // grows from the delay before, so the schedule climbs past that band.
        assertThat(delays.stream().max(Duration::compareTo).orElseThrow()).isGreaterThan(initial.multipliedBy(3));
        for (int i = 1; i < delays.size(); i++) {
            assertThat(delays.get(i)).isBetween(initial, delays.get(i - 1).multipliedBy(3));
        }
    }

    @Test
    void clientErrorsNeverOpenAnEndpointsBreaker() {
        endpoint("ep_strict");
        receiver.otherwise(Answer.of(400));
        for (int i = 0; i < 6; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_strict");
        }
        worker(DeliveryPolicy.builder().failureRate(FailureRateRule.NEVER).build(),
                CircuitBreakerPolicy.builder().name("webhook").consecutiveFailures(3).openDuration(Duration.ofMinutes(10)).maxOpenDuration(Duration.ofMinutes(10)).build());

        for (int i = 0; i < 6; i++) {
            worker.runOnce();
        }

        assertThat(receiver.received()).hasSize(6);
        assertThat(worker.breakerState("ep_strict")).isEqualTo(BreakerState.CLOSED);
        assertThat(eventsOfType(DeliveryEvent.Failed.class)).hasSize(6);
    }

    @Test
    void serverErrorsDoOpenIt() {
        endpoint("ep_down");
        receiver.otherwise(Answer.of(500));
        for (int i = 0; i < 3; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_down");
        }
        worker(DeliveryPolicy.builder().failureRate(FailureRateRule.NEVER).build(),
                CircuitBreakerPolicy.builder().name("webhook").consecutiveFailures(3).openDuration(Duration.ofMinutes(10)).maxOpenDuration(Duration.ofMinutes(10)).build());

        for (int i = 0; i < 3; i++) {
            worker.runOnce();
        }

        assertThat(worker.breakerState("ep_down")).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void aRetryAfterEndingPastTheMaxDurationIsNamedAsTheReason() {
        endpoint("ep_later");
        receiver.otherwise(Answer.of(503, "Retry-After", "7200"));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_later").get(0).deliveryId();
        worker(DeliveryPolicy.builder().maxDuration(Duration.ofHours(1)).maxRetryAfter(Duration.ofHours(3))
                .failureRate(FailureRateRule.NEVER).build(), null);

        worker.runOnce();

        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.FAILED);
        assertThat(coreEvents).filteredOn(RetryEvent.Exhausted.class::isInstance).singleElement()
                .satisfies(event -> assertThat(((RetryEvent.Exhausted) event).reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE));
        assertThat(eventsOfType(DeliveryEvent.DurationExceeded.class)).singleElement().satisfies(event -> {
            assertThat(event.refusedDelay()).isEqualTo(Duration.ofHours(2));
            assertThat(event.reason()).contains("Retry-After of 2 h");
        });
    }

    <T extends DeliveryEvent> List<T> eventsOfType(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
