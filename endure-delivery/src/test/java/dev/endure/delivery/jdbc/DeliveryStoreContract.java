package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.spi.DeliveryStore.ClaimAdmission;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointPolicy;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.spi.StaleLeaseException;
import dev.endure.delivery.spi.Transition;
import dev.endure.delivery.signing.SigningKeys;
import dev.endure.delivery.signing.WebhookSecret;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link JdbcDeliveryStore} must do, run on H2 and on PostgreSQL. */
abstract class DeliveryStoreContract {

    static final Duration LEASE = Duration.ofSeconds(30);

    JdbcDeliveryStore store;
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    abstract DataSource dataSource();

    @BeforeEach
    void migrate() {
        store = JdbcDeliveryStore.migrate(dataSource());
        store.createEndpoint(endpoint("ep_a"), now);
        store.createEndpoint(endpoint("ep_b"), now);
    }

    static Endpoint endpoint(String id) {
        return Endpoint.of(id, URI.create("https://hooks.example.com/" + id), WebhookSecret.generate());
    }

    @Test
    void storesEndpointsWithTheirKeysPolicyAndLimits() {
        WebhookSecret old = WebhookSecret.generate();
        Endpoint custom = Endpoint.of("ep_c", URI.create("https://x.example.com/h?k=1"), old)
                .withSigningKeys(SigningKeys.of(old).rotate(WebhookSecret.generate(), Duration.ofHours(1), now))
                .withPolicy(EndpointPolicy.NONE.withMaxAttempts(5).withTimeout(Duration.ofSeconds(3)).withMultiplier(3))
                .withRateLimit(2.5).withMaxConcurrency(3).withOrdered(true);
        store.createEndpoint(custom, now);
        assertThat(store.endpoint("ep_c")).contains(custom);
        assertThatThrownBy(() -> store.createEndpoint(custom, now)).hasMessage("endpoint ep_c already exists");
        assertThat(store.endpoints()).extracting(Endpoint::id).containsExactly("ep_a", "ep_b", "ep_c");
    }

    /**
     * Concurrent single sends share transactions (group commit): each still gets its own answer, one key sent twice
     * at once is stored once, and a send to an unknown endpoint fails alone.
     */
    @Test
    void concurrentSendsEachGetTheirOwnAnswerAndABadOneFailsAlone() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<List<EnqueueResult>>> sends = new java.util.ArrayList<>();
            for (int i = 0; i < 48; i++) {
                int n = i;
                String target = n == 17 ? "ep_missing" : n % 2 == 0 ? "ep_a" : "ep_b";
                String key = n == 40 || n == 42 ? "same-key" : "k" + n;
                sends.add(pool.submit(() -> store.enqueue(NewMessage.of("e", "{\"n\":" + n + "}", key), List.of(target), now)));
            }
            int accepted = 0;
            int duplicates = 0;
            for (int i = 0; i < sends.size(); i++) {
                if (i == 17) {
                    int bad = i;
                    assertThatThrownBy(() -> sends.get(bad).get()).hasCauseInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("unknown endpoint ep_missing");
                    continue;
                }
                EnqueueResult result = sends.get(i).get().get(0);
                assertThat(result.endpointId()).isEqualTo(i % 2 == 0 ? "ep_a" : "ep_b");
                if (result.duplicate()) {
                    duplicates++;
                } else {
                    accepted++;
                    assertThat(store.delivery(result.deliveryId())).isPresent();
                }
            }
            assertThat(duplicates).isEqualTo(1);
            assertThat(accepted).isEqualTo(46);
            assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 46L);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aRepeatedIdempotencyKeyIsRejectedAsDuplicateAndSaysSo() {
        List<EnqueueResult> first = store.enqueue(NewMessage.of("invoice.paid", "{\"n\":1}", "key-1"), List.of("ep_a"), now);
        assertThat(first).singleElement().satisfies(r -> assertThat(r.duplicate()).isFalse());
        List<EnqueueResult> again = store.enqueue(NewMessage.of("invoice.paid", "{\"n\":1}", "key-1"), List.of("ep_a", "ep_b"), now);
        assertThat(again.get(0).duplicate()).isTrue();
        assertThat(again.get(0).deliveryId()).isEqualTo(first.get(0).deliveryId());
        assertThat(again.get(0).describe()).startsWith("duplicate: endpoint ep_a already has delivery " + first.get(0).deliveryId());
        assertThat(again.get(1).duplicate()).isFalse(); // the same key is new for another endpoint
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 2L);
        assertThatThrownBy(() -> store.enqueue(NewMessage.of("x", "{}"), List.of("ep_nope"), now))
                .hasMessageContaining("unknown endpoint ep_nope");
    }

    // Issue 12: these operator writes lived in the read-side JdbcDeliveryQueries; now they are the store's.
    @Test
    void deletesAnEndpointWithItsDeliveriesButNotWhileOneIsInFlight() {
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        List<dev.endure.delivery.spi.Claim> claims = store.claim("worker-1", 10, LEASE, now, DeliveryStore.ClaimAdmission.all());
        assertThat(claims).hasSize(1);
        assertThatThrownBy(() -> store.deleteEndpoint("ep_a", now)).isInstanceOf(IllegalStateException.class).hasMessageContaining("in flight");
        assertThat(store.releaseLeases("worker-1", now)).isEqualTo(1);
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 1L);
        assertThat(store.deleteEndpoint("ep_a", now)).isTrue();
        assertThat(store.endpoint("ep_a")).isEmpty();
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 0L);
        assertThat(store.deleteEndpoint("ep_a", now)).isFalse();
        assertThat(store.holdPendingOfDisabledEndpoints()).isZero();
    }

    @Test
    void concurrentSendsOfOneKeyEnqueueOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<EnqueueResult>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> store.enqueue(NewMessage.of("e", "{}", "same"), List.of("ep_a"), now).get(0)));
            }
            long accepted = 0;
            for (Future<EnqueueResult> result : results) {
                accepted += result.get(30, TimeUnit.SECONDS).duplicate() ? 0 : 1;
            }
            assertThat(accepted).isEqualTo(1);
            assertThat(store.countsByState().get(DeliveryState.PENDING)).isEqualTo(1L);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Claims skip disabled endpoints, so a delivery left PENDING on one would never move again. A send
     * racing a disable must therefore end HELD (or be enqueued before the disable moves it to HELD).
     */
    @Test
    void aSendRacingADisableNeverLeavesAPendingDeliveryOnADisabledEndpoint() throws Exception {
        racingDisables(endpointId -> {
            store.createEndpoint(endpoint(endpointId), now);
            return () -> store.enqueue(NewMessage.of("e", "{}"), List.of(endpointId), now);
        });
    }

    /** The same race for a fan-out send, whose endpoints are the event type's subscribers, locked in the send's first round trip. */
    @Test
    void aFanOutSendRacingADisableNeverLeavesAPendingDeliveryOnADisabledEndpoint() throws Exception {
        racingDisables(endpointId -> {
            String type = "race." + endpointId;
            store.eventTypes().createEventType(new dev.endure.delivery.EventType(type, "", null, false, now, now));
            store.eventTypes().createEndpoint(endpoint(endpointId), Set.of(type), now);
            return () -> assertThat(store.enqueueToSubscribers(NewMessage.of(type, "{}"), now).deliveries())
                    .extracting(EnqueueResult::endpointId).contains(endpointId);
        });
    }

    /** The same race for a checked send that names its endpoint (locked in the send's first round trip with the checks). */
    @Test
    void aCheckedSendRacingADisableNeverLeavesAPendingDeliveryOnADisabledEndpoint() throws Exception {
        store.eventTypes().createEventType(new dev.endure.delivery.EventType("race", "", null, false, now, now));
        racingDisables(endpointId -> {
            store.createEndpoint(endpoint(endpointId), now);
            return () -> store.enqueueChecked(NewMessage.of("race", "{}"), List.of(endpointId), now);
        });
    }

    /**
     * A checked send refuses, storing nothing, what the API's send used to read before the store: an unknown or archived
     * type, endpoints that do not exist (in the order named), endpoints that take other types only (with those types), and
     * a key reused with another body; a repeat with the same body is a duplicate per endpoint, and a disabled endpoint is held.
     */
    @Test
    void aCheckedSendRefusesInItsTransactionWhatItMayNotSend() throws Exception {
        dev.endure.delivery.spi.EventTypeStore types = store.eventTypes();
        types.createEventType(new dev.endure.delivery.EventType("invoice.paid", "", null, false, now, now));
        types.createEventType(new dev.endure.delivery.EventType("old", "", null, true, now, now));
        types.createEventType(new dev.endure.delivery.EventType("order.created", "", null, false, now, now));
        types.createEventType(new dev.endure.delivery.EventType("order.paid", "", null, false, now, now));
        types.createEndpoint(endpoint("ep_orders"), Set.of("order.created", "order.paid"), now);
        assertThatThrownBy(() -> store.enqueueChecked(NewMessage.of("nope", "{}"), List.of("ep_a"), now))
                .isInstanceOf(dev.endure.delivery.EventTypeException.class);
        assertThatThrownBy(() -> store.enqueueChecked(NewMessage.of("old", "{}"), List.of("ep_a"), now))
                .isInstanceOf(dev.endure.delivery.EventTypeException.class);
        assertThatThrownBy(() -> store.enqueueChecked(NewMessage.of("invoice.paid", "{}"), List.of("ep_z", "ep_a", "ep_y", "ep_orders"), now))
                .isInstanceOfSatisfying(dev.endure.delivery.SendRefusedException.class,
                        e -> assertThat(e.unknown()).containsExactly("ep_z", "ep_y"));
        assertThatThrownBy(() -> store.enqueueChecked(NewMessage.of("invoice.paid", "{}"), List.of("ep_a", "ep_orders"), now))
                .isInstanceOfSatisfying(dev.endure.delivery.SendRefusedException.class, e -> {
                    assertThat(e.unknown()).isEmpty();
                    assertThat(e.unsubscribed()).containsOnlyKeys("ep_orders");
                    assertThat(e.unsubscribed().get("ep_orders")).containsExactly("order.created", "order.paid");
                });
        assertThat(deliveriesIn("ep_a", DeliveryState.PENDING)).isZero();

        store.disableEndpoint("ep_b", "operator", now);
        List<EnqueueResult> sent = store.enqueueChecked(NewMessage.of("invoice.paid", "{\"n\": 1}", "inv-1"), List.of("ep_a", "ep_b"), now);
        assertThat(sent).extracting(EnqueueResult::endpointId).containsExactly("ep_a", "ep_b");
        assertThat(sent).extracting(EnqueueResult::state).containsExactly(DeliveryState.PENDING, DeliveryState.HELD);
        List<EnqueueResult> again = store.enqueueChecked(NewMessage.of("invoice.paid", "{\"n\": 1}", "inv-1"), List.of("ep_a", "ep_b"), now);
        assertThat(again).allMatch(EnqueueResult::duplicate).extracting(EnqueueResult::deliveryId)
                .containsExactlyElementsOf(sent.stream().map(EnqueueResult::deliveryId).toList());
        assertThatThrownBy(() -> store.enqueueChecked(NewMessage.of("invoice.paid", "{\"n\": 2}", "inv-1"), List.of("ep_b", "ep_a"), now))
                .isInstanceOfSatisfying(dev.endure.delivery.SendRefusedException.class,
                        e -> assertThat(e.earlierMessageId()).isEqualTo(sent.get(0).messageId()));
        assertThat(deliveriesIn("ep_a", DeliveryState.PENDING)).isEqualTo(1);
    }

    /** A send never signs, so it never opens an endpoint's keys: a store whose cipher cannot open them still sends. */
    @Test
    void aCheckedSendDoesNotOpenTheEndpointsKeys() {
        dev.endure.delivery.crypto.SecretCipher sealing = dev.endure.delivery.crypto.SecretCipher.parse(dev.endure.delivery.crypto.SecretCipher.newKeyText());
        store.sealingSecrets(sealing).createEndpoint(endpoint("ep_sealed"), now);
        JdbcDeliveryStore otherKey = JdbcDeliveryStore.migrate(dataSource())
                .sealingSecrets(dev.endure.delivery.crypto.SecretCipher.parse(dev.endure.delivery.crypto.SecretCipher.newKeyText()));
        otherKey.eventTypes().createEventType(new dev.endure.delivery.EventType("sealed", "", null, false, now, now));
        assertThatThrownBy(() -> otherKey.endpoint("ep_sealed")).as("reading it would open the keys").isInstanceOf(RuntimeException.class);
        assertThat(otherKey.enqueueChecked(NewMessage.of("sealed", "{}"), List.of("ep_sealed"), now))
                .extracting(EnqueueResult::state).containsExactly(DeliveryState.PENDING);
        assertThat(otherKey.hasEndpoints()).isTrue();
    }

    /** Per round, a new endpoint ({@code setUp} creates it and says how to send to it); two senders and a disable race. */
    private void racingDisables(java.util.function.Function<String, Runnable> setUp) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 40; round++) {
                String endpointId = "ep_race_" + round;
                Runnable send = setUp.apply(endpointId);
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(3);
                List<Future<?>> tasks = new ArrayList<>();
                for (int sender = 0; sender < 2; sender++) {
                    tasks.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 15; i++) {
                            send.run();
                        }
                        return null;
                    }));
                }
                tasks.add(pool.submit(() -> {
                    start.await();
                    send.run();
                    return store.disableEndpoint(endpointId, "HTTP 410 Gone", now);
                }));
                for (Future<?> task : tasks) {
                    task.get(30, TimeUnit.SECONDS);
                }
                assertThat(deliveriesIn(endpointId, DeliveryState.PENDING)).as("PENDING on disabled %s", endpointId).isZero();
                assertThat(deliveriesIn(endpointId, DeliveryState.HELD)).isEqualTo(31);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    long deliveriesIn(String endpointId, DeliveryState state) throws java.sql.SQLException {
        try (java.sql.Connection connection = dataSource().getConnection();
                java.sql.PreparedStatement count = connection.prepareStatement(
                        "SELECT COUNT(*) FROM endure_delivery WHERE endpoint_id = ? AND state = ?")) {
            count.setString(1, endpointId);
            count.setString(2, state.name());
            try (java.sql.ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    @Test
    void aClaimLeasesWithAFencingTokenAndAnExpiredLeaseMakesItClaimableAgain() {
        String delivery = store.enqueue(NewMessage.of("e", "{\"a\":1}"), List.of("ep_a"), now).get(0).deliveryId();
        List<Claim> first = store.claim("node-1", 10, LEASE, now, ClaimAdmission.all());
        assertThat(first).singleElement().satisfies(claim -> {
            assertThat(claim.fencingToken()).isEqualTo(1);
            assertThat(claim.attemptNumber()).isEqualTo(1);
            assertThat(claim.payload()).isEqualTo("{\"a\":1}");
            assertThat(claim.leaseUntil()).isEqualTo(now.plus(LEASE));
        });
        assertThat(store.claim("node-2", 10, LEASE, now.plusSeconds(29), ClaimAdmission.all())).isEmpty();
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);

        List<Claim> second = store.claim("node-2", 10, LEASE, now.plus(LEASE), ClaimAdmission.all());
        assertThat(second).singleElement().satisfies(claim -> {
            assertThat(claim.fencingToken()).isEqualTo(2);
            assertThat(claim.owner()).isEqualTo("node-2");
            assertThat(claim.attemptNumber()).isEqualTo(1);
        });

        // node-1 comes back late: its result must not overwrite node-2's attempt.
        assertThatThrownBy(() -> store.complete(first.get(0), attempt(first.get(0), 200, AttemptOutcome.DELIVERED), new Transition.Delivered()))
                .isInstanceOf(StaleLeaseException.class)
                .hasMessageContaining("fencing token 1 is stale");
        assertThat(store.attempts(delivery)).isEmpty();
        Instant retryAt = now.plus(Duration.ofMinutes(2));
        store.complete(second.get(0), attempt(second.get(0), 500, AttemptOutcome.RETRY_SCHEDULED), new Transition.RetryAt(retryAt));
        assertThat(store.delivery(delivery).orElseThrow()).satisfies(d -> {
            assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.nextAttemptAt()).isEqualTo(retryAt);
            assertThat(d.lastStatus()).isEqualTo(500);
            assertThat(d.windowStart()).isEqualTo(now.plus(LEASE));
        });
        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> {
            assertThat(a.httpStatus()).isEqualTo(500);
            assertThat(a.fencingToken()).isEqualTo(2);
            assertThat(a.responseSnippet()).isEqualTo("answer 500");
        });
        assertThat(store.claim("node-1", 10, LEASE, retryAt.minusMillis(1), ClaimAdmission.all())).isEmpty();
        assertThat(store.claim("node-1", 10, LEASE, retryAt, ClaimAdmission.all())).singleElement()
                .satisfies(claim -> assertThat(claim.attemptNumber()).isEqualTo(2));
    }

    @Test
    void concurrentClaimersNeverTakeTheSameDelivery() throws Exception {
        for (int i = 0; i < 60; i++) {
            store.enqueue(NewMessage.of("e", "{\"i\":" + i + "}"), List.of(i % 2 == 0 ? "ep_a" : "ep_b"), now);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Callable<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String owner = "node-" + w;
                workers.add(() -> {
                    while (true) {
                        List<Claim> batch = store.claim(owner, 5, LEASE, now, ClaimAdmission.all());
                        if (batch.isEmpty()) {
                            return null;
                        }
                        batch.forEach(claim -> claimed.add(claim.deliveryId()));
                    }
                });
            }
            for (Future<Void> done : pool.invokeAll(workers, 60, TimeUnit.SECONDS)) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(claimed).hasSize(60);
        assertThat(new HashSet<>(claimed)).hasSize(60);
        assertThat(store.countsByState()).containsEntry(DeliveryState.IN_FLIGHT, 60L);
    }

    @Test
    void admissionBoundsInFlightPerEndpoint() {
        for (int i = 0; i < 5; i++) {
            store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        }
        ClaimAdmission atMostTwo = (endpointId, inFlight) -> inFlight < 2;
        assertThat(store.claim("n", 10, LEASE, now, atMostTwo)).hasSize(2);
        assertThat(store.claim("n", 10, LEASE, now, atMostTwo)).isEmpty();
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 3L).containsEntry(DeliveryState.IN_FLIGHT, 2L);
    }

    @Test
    void disablingHoldsPendingDeliveriesAndEnablingResumesThem() {
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        assertThat(store.disableEndpoint("ep_a", "HTTP 410 Gone on attempt 1", now)).isTrue();
        assertThat(store.disableEndpoint("ep_a", "again", now)).isFalse();
        assertThat(store.endpoint("ep_a").orElseThrow()).satisfies(e -> {
            assertThat(e.enabled()).isFalse();
            assertThat(e.disabledReason()).isEqualTo("HTTP 410 Gone on attempt 1");
            assertThat(e.disabledAt()).isEqualTo(now);
        });
        List<EnqueueResult> whileDisabled = store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        assertThat(whileDisabled.get(0).state()).isEqualTo(DeliveryState.HELD);
        assertThat(store.countsByState()).containsEntry(DeliveryState.HELD, 3L);
        assertThat(store.claim("n", 10, LEASE, now.plusSeconds(3600), ClaimAdmission.all())).isEmpty();

        Instant later = now.plus(Duration.ofDays(1));
        assertThat(store.enableEndpoint("ep_a", later)).isEqualTo(3);
        assertThat(store.enableEndpoint("ep_a", later)).isEqualTo(-1);
        assertThat(store.claim("n", 10, LEASE, later, ClaimAdmission.all())).hasSize(3);
    }

    @Test
    void aRetryOfAnEndpointDisabledMeanwhileIsHeld() {
        String delivery = store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now).get(0).deliveryId();
        Claim claim = store.claim("n", 1, LEASE, now, ClaimAdmission.all()).get(0);
        store.disableEndpoint("ep_a", "operator", now);
        store.complete(claim, attempt(claim, 500, AttemptOutcome.RETRY_SCHEDULED), new Transition.RetryAt(now.plusSeconds(60)));
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.HELD);

        // A claim given back untouched (the worker saw the endpoint disabled) is held as well.
        store.enableEndpoint("ep_a", now);
        Claim again = store.claim("n", 1, LEASE, now, ClaimAdmission.all()).get(0);
        store.disableEndpoint("ep_a", "operator", now);
        assertThat(store.release(again, now)).isTrue();
        assertThat(store.release(again, now)).isFalse();
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.HELD);
    }

    @Test
    void failedDeliveriesCanBeReplayedOneByOneOrSinceATime() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now).get(0).deliveryId());
        }
        List<Claim> claims = store.claim("n", 10, LEASE, now, ClaimAdmission.all());
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            // finished at now + i minutes
            Attempt failed = new Attempt(claim.deliveryId(), claim.endpointId(), 1, claim.fencingToken(), now.plus(Duration.ofMinutes(i)),
                    Duration.ZERO, 400, null, "bad", AttemptOutcome.FAILED, null, "HTTP 400");
            store.complete(claim, failed, new Transition.Failed("HTTP 400 on attempt 1"));
        }
        assertThat(store.countsByState()).containsEntry(DeliveryState.FAILED, 3L);
        assertThat(store.delivery(ids.get(0)).orElseThrow().terminalReason()).isEqualTo("HTTP 400 on attempt 1");

        Instant later = now.plus(Duration.ofHours(1));
        assertThat(store.replay(claims.get(0).deliveryId(), later)).isTrue();
        assertThat(store.replay(claims.get(0).deliveryId(), later)).isFalse(); // no longer failed
        assertThat(store.replayFailed("ep_a", now.plus(Duration.ofMinutes(2)), later)).isEqualTo(1);
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 2L).containsEntry(DeliveryState.FAILED, 1L);
        assertThat(store.delivery(claims.get(0).deliveryId()).orElseThrow()).satisfies(d -> {
            assertThat(d.attempts()).isZero();
            assertThat(d.terminalReason()).isNull();
            assertThat(d.nextAttemptAt()).isEqualTo(later);
        });
        assertThat(store.attempts(claims.get(0).deliveryId())).hasSize(1); // history survives a replay
    }

    /**
     * Round trips are what a delivery costs: a claim of 40 and a send to two endpoints each take a fixed
     * number of statements, not one per row (the claim used to read each leased row on its own).
     */
    @Test
    void aClaimAndASendTakeAFixedNumberOfStatementsWhateverTheirSize() {
        dev.endure.testing.CountingDataSource counting = new dev.endure.testing.CountingDataSource(dataSource());
        JdbcDeliveryStore counted = JdbcDeliveryStore.migrate(counting);
        int before = counting.statements();
        counted.enqueue(NewMessage.of("e", "{}", "key-1"), List.of("ep_a", "ep_b"), now);
        // endpoints (locked), idempotency keys, insert message unless stored, insert deliveries
        assertThat(counting.statements() - before).isLessThanOrEqualTo(4);
        for (int i = 0; i < 39; i++) {
            counted.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now);
        }
        before = counting.statements();
        assertThat(counted.claim("n", 40, LEASE, now, ClaimAdmission.all())).hasSize(40);
        // special endpoints, expired leases, due pending (H2: pick, then lock by id), lease, read with messages
        // (PostgreSQL: one statement); no in-flight count, since nothing asks for it
        assertThat(counting.statements() - before).isLessThanOrEqualTo(6);
        // Where autovacuum is off, the 120 rows written start the store's own ANALYZE on a connection of its own: wait it out.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !counted.statistics().running());
        assertThat(counting.open()).isZero();
    }

    @Test
    void aBatchSendIsOneTransactionAndReportsDuplicatesPerMessage() {
        String earlier = store.enqueue(NewMessage.of("e", "{}", "k-1"), List.of("ep_a"), now).get(0).deliveryId();
        List<NewMessage> batch = new ArrayList<>();
        batch.add(NewMessage.of("e", "{\"n\":1}", "k-1")); // sent before: duplicate on ep_a, new on ep_b
        for (int i = 2; i <= 50; i++) {
            batch.add(NewMessage.of("e", "{\"n\":" + i + "}", "k-" + i));
        }
        batch.add(NewMessage.of("e", "{\"again\":2}", "k-2")); // repeats a key of this batch
        dev.endure.testing.CountingDataSource counting = new dev.endure.testing.CountingDataSource(dataSource());
        JdbcDeliveryStore counted = JdbcDeliveryStore.migrate(counting);
        int before = counting.statements();
        int commits = counting.commits();

        List<List<EnqueueResult>> results = counted.enqueueAll(batch, List.of("ep_a", "ep_b"), now);

        assertThat(counting.commits() - commits).isEqualTo(1);
        assertThat(counting.statements() - before).isLessThanOrEqualTo(4);
        assertThat(results).hasSize(51);
        assertThat(results.get(0)).extracting(EnqueueResult::duplicate).containsExactly(true, false);
        assertThat(results.get(0).get(0).deliveryId()).isEqualTo(earlier);
        assertThat(results.get(50)).allSatisfy(r -> assertThat(r.duplicate()).isTrue());
        assertThat(results.get(50).get(0).deliveryId()).isEqualTo(results.get(1).get(0).deliveryId());
        assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 1L + 1 + 49 * 2);
    }

    @Test
    void aBatchToAnUnknownEndpointStoresNothing() {
        List<NewMessage> batch = List.of(NewMessage.of("e", "{}"), NewMessage.of("e", "{}"));
        assertThatThrownBy(() -> store.enqueueAll(batch, List.of("ep_a", "ep_missing"), now))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown endpoint ep_missing");
        assertThat(store.countsByState().values().stream().mapToLong(Long::longValue).sum()).isZero();
    }

    @Test
    void orderedEndpointsReleaseOneMessageAtATime() {
        store.updateEndpoint(store.endpoint("ep_a").orElseThrow().withOrdered(true));
        String first = store.enqueue(NewMessage.of("e", "{\"n\":1}"), List.of("ep_a"), now).get(0).deliveryId();
        String second = store.enqueue(NewMessage.of("e", "{\"n\":2}"), List.of("ep_a"), now).get(0).deliveryId();
        store.enqueue(NewMessage.of("e", "{}"), List.of("ep_b"), now); // unordered endpoint is not held back

        List<Claim> batch = store.claim("n", 10, LEASE, now, ClaimAdmission.all());
        assertThat(batch).extracting(Claim::endpointId).containsExactlyInAnyOrder("ep_a", "ep_b");
        Claim firstClaim = batch.stream().filter(c -> c.deliveryId().equals(first)).findFirst().orElseThrow();
        Claim other = batch.stream().filter(c -> c.endpointId().equals("ep_b")).findFirst().orElseThrow();
        store.complete(other, attempt(other, 200, AttemptOutcome.DELIVERED), new Transition.Delivered());
        // The first failing and waiting for a retry still holds the second back.
        store.complete(firstClaim, attempt(firstClaim, 500, AttemptOutcome.RETRY_SCHEDULED), new Transition.RetryAt(now.plusSeconds(60)));
        assertThat(store.claim("n", 10, LEASE, now.plusSeconds(30), ClaimAdmission.all())).isEmpty();
        Claim retry = store.claim("n", 10, LEASE, now.plusSeconds(60), ClaimAdmission.all()).get(0);
        assertThat(retry.deliveryId()).isEqualTo(first);
        store.complete(retry, attempt(retry, 200, AttemptOutcome.DELIVERED), new Transition.Delivered());
        assertThat(store.claim("n", 10, LEASE, now.plusSeconds(61), ClaimAdmission.all()))
                .extracting(Claim::deliveryId).containsExactly(second);
    }

    @Test
    void endpointStatsCountAttemptsInAndOutOfTheWindow() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ids.add(store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now).get(0).deliveryId());
        }
        List<Claim> claims = store.claim("n", 10, LEASE, now, ClaimAdmission.all());
        store.complete(claims.get(0), attempt(claims.get(0), 200, AttemptOutcome.DELIVERED), new Transition.Delivered());
        store.complete(claims.get(1), attempt(claims.get(1), 500, AttemptOutcome.RETRY_SCHEDULED),
                new Transition.RetryAt(now.plusSeconds(120)));
        Attempt timeout = new Attempt(claims.get(2).deliveryId(), "ep_a", 1, claims.get(2).fencingToken(), now, Duration.ofSeconds(1),
                null, "timed out", null, AttemptOutcome.RETRY_SCHEDULED, now.plusSeconds(60), null);
        store.complete(claims.get(2), timeout, new Transition.RetryAt(now.plusSeconds(60)));
        assertThat(store.endpointStats("ep_a", now)).satisfies(stats -> {
            assertThat(stats.totalAttempts()).isEqualTo(3);
            assertThat(stats.attemptsInWindow()).isEqualTo(3);
            assertThat(stats.failuresInWindow()).isEqualTo(2);
            assertThat(stats.successRateInWindow()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(stats.lastError()).isEqualTo("timed out");
            assertThat(stats.nextAttemptAt()).isEqualTo(now.plusSeconds(60));
        });
        assertThat(store.endpointStats("ep_a", now.plusSeconds(1)).attemptsInWindow()).isZero();
    }

    static Attempt attempt(Claim claim, int status, AttemptOutcome outcome) {
        return new Attempt(claim.deliveryId(), claim.endpointId(), claim.attemptNumber(), claim.fencingToken(),
                claim.leaseUntil().minus(LEASE), Duration.ofMillis(12), status, null, "answer " + status, outcome, null, null);
    }
}
