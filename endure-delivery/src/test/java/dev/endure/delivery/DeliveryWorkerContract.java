package dev.endure.delivery;

import dev.endure.delivery.AttemptResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.delivery.Receiver.Answer;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookVerifier;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker against real receivers on loopback and a real database, on virtual time (run on H2 and PostgreSQL). */
abstract class DeliveryWorkerContract {

    final VirtualTime time = new VirtualTime(Instant.parse("2026-03-01T12:00:00Z"));
    final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    final SsrfGuard guard = SsrfGuard.defaults().allowingLoopback();
    JdbcDeliveryStore store;
    DeliveryService service;
    Receiver receiver;
    WebhookSecret secret;

    abstract DataSource dataSource();

    @BeforeEach
    void setUp() throws Exception {
        store = JdbcDeliveryStore.migrate(dataSource());
        service = DeliveryService.builder(store).ssrfGuard(guard).clock(time).build();
        secret = WebhookSecret.generate();
        receiver = new Receiver().verifyWith(WebhookVerifier.of(List.of(secret), Duration.ofMinutes(5), time));
        closeables.add(receiver);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    DeliveryWorker worker(Consumer<DeliveryWorker.Builder> custom) {
        DeliveryWorker.Builder builder = DeliveryWorker.builder(store).owner("test-node").clock(time).ssrfGuard(guard)
                .random(new SplittableRandom(42)).concurrency(4).listener(events::add);
        custom.accept(builder);
        DeliveryWorker worker = builder.build();
        closeables.add(0, worker);
        return worker;
    }

    Endpoint endpoint(String id) {
        Endpoint endpoint = Endpoint.of(id, receiver.url("/hooks/" + id), secret);
        service.createEndpoint(endpoint);
        return endpoint;
    }

    /** Runs the worker and jumps virtual time to each next attempt until nothing is pending (bounded). */
    void drive(DeliveryWorker worker, String endpointId) {
        for (int round = 0; round < 200; round++) {
            int claimed = worker.runOnce();
            Instant next = store.endpointStats(endpointId, time.instant()).nextAttemptAt();
            if (next == null) {
                return;
            }
            if (next.isAfter(time.instant())) {
                time.advance(Duration.between(time.instant(), next));
            } else if (claimed == 0) {
                time.advance(Duration.ofMinutes(1)); // due but held back (ordered, rate limit): let time pass
            }
        }
        throw new AssertionError("still pending after 200 rounds");
    }

    <T extends DeliveryEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void deliversASignedMessageThatVerifiesOnTheReceiver() {
        endpoint("ep_ok");
        NewMessage message = NewMessage.of("invoice.paid", "{\"invoice\":42}", "inv-42");
        String delivery = service.send(message, "ep_ok").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> { });

        assertThat(worker.runOnce()).isEqualTo(1);

        assertThat(receiver.received()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(message.id());
            assertThat(r.body()).isEqualTo("{\"invoice\":42}");
            assertThat(r.verified()).as(r.verifyFailure()).isTrue();
        });
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(eventsOf(DeliveryEvent.Delivered.class)).singleElement().satisfies(e -> assertThat(e.attempts()).isEqualTo(1));
        assertThat(eventsOf(DeliveryEvent.QueueProcessed.class)).singleElement()
                .satisfies(e -> assertThat(e.delivered()).isEqualTo(1));
        MessageHistory history = service.history(message.id());
        assertThat(history.attemptsByDelivery().get(delivery)).singleElement().satisfies(a -> {
            assertThat(a.httpStatus()).isEqualTo(200);
            assertThat(a.responseSnippet()).isEqualTo("answer 200");
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.DELIVERED);
        });
        assertThat(service.send(NewMessage.of("invoice.paid", "{\"invoice\":42}", "inv-42"), "ep_ok").get(0).duplicate()).isTrue();
        assertThat(worker.runOnce()).isZero();
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void retriesServerErrorsThenDelivers() {
        endpoint("ep_flaky");
        receiver.then(Answer.of(500), Answer.of(502));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_flaky").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> { });

        drive(worker, "ep_flaky");

        assertThat(store.attempts(delivery)).extracting(Attempt::httpStatus).containsExactly(500, 502, 200);
        List<DeliveryEvent.RetryScheduled> retries = eventsOf(DeliveryEvent.RetryScheduled.class);
        assertThat(retries).hasSize(2);
        assertThat(retries.get(0).delay()).isBetween(Duration.ofSeconds(90), Duration.ofSeconds(150));
        assertThat(retries.get(1).delay()).isBetween(Duration.ofSeconds(180), Duration.ofSeconds(300));
        assertThat(retries.get(0).reason()).isEqualTo("HTTP 500 on attempt 1");
        assertThat(receiver.received()).allSatisfy(r -> assertThat(r.verified()).isTrue());
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }

    @Test
    void http410DisablesTheEndpointHoldsItsMessagesAndReenablingResumesThem() {
        endpoint("ep_gone");
        receiver.then(Answer.of(410));
        String first = service.send(NewMessage.of("e", "{\"n\":1}"), "ep_gone").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> b.concurrency(1));

        worker.runOnce();
        String second = service.send(NewMessage.of("e", "{\"n\":2}"), "ep_gone").get(0).deliveryId();

        Endpoint disabled = store.endpoint("ep_gone").orElseThrow();
        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.disabledReason()).isEqualTo("HTTP 410 on attempt 1 (delivery " + first + ")");
        assertThat(eventsOf(DeliveryEvent.EndpointPermanentlyDisabled.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).startsWith("endpoint " + disabled.url() + " disabled: HTTP 410 on attempt 1"));
        assertThat(store.delivery(first).orElseThrow().state()).isEqualTo(DeliveryState.HELD);
        assertThat(store.delivery(second).orElseThrow().state()).isEqualTo(DeliveryState.HELD);
        assertThat(service.counts()).containsEntry(DeliveryState.HELD, 2L);
        time.advance(Duration.ofHours(1));
        assertThat(worker.runOnce()).isZero();

        assertThat(service.enable("ep_gone")).isEqualTo(2);
        drive(worker, "ep_gone");
        assertThat(store.delivery(first).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.delivery(second).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(receiver.received()).hasSize(3);
    }

    @Test
    void aFullFailureRateDisablesTheEndpoint() {
        endpoint("ep_down");
        receiver.otherwise(Answer.of(500));
        for (int i = 0; i < 5; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_down");
        }
        DeliveryWorker worker = worker(b -> b.breaker(null).concurrency(1));

        for (int i = 0; i < 5; i++) {
            worker.runOnce();
            assertThat(store.endpoint("ep_down").orElseThrow().enabled()).as("after attempt %d", i + 1).isEqualTo(i < 4);
            time.advance(Duration.ofMinutes(15)); // the failures must span an hour: the 5th comes 60 min after the 1st
        }

        assertThat(store.endpoint("ep_down").orElseThrow().disabledReason())
                .isEqualTo("failure rate 100% over 24 h (5 of 5 attempts failed over 1 h; threshold 100%)");
        assertThat(eventsOf(DeliveryEvent.EndpointFailureRateDisabled.class)).singleElement()
                .satisfies(e -> assertThat(e.stats().attemptsInWindow()).isEqualTo(5));
        assertThat(service.counts()).containsEntry(DeliveryState.HELD, 5L);
        EndpointStatus status = service.endpointStatus("ep_down", worker);
        assertThat(status.stats().successRateInWindow()).isZero();
        assertThat(status.stats().lastError()).isEqualTo("HTTP 500");
    }

    @Test
    void aNewEndpointWhoseReceiverIsBrieflyDownIsNotDisabled() {
        endpoint("ep_restarting");
        receiver.otherwise(Answer.of(503));
        for (int i = 0; i < 6; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_restarting");
        }
        DeliveryWorker worker = worker(b -> b.breaker(null).concurrency(6));

        worker.runOnce(); // 6 of 6 first attempts fail within the same second

        assertThat(store.endpoint("ep_restarting").orElseThrow().enabled()).isTrue();
        assertThat(eventsOf(DeliveryEvent.EndpointFailureRateDisabled.class)).isEmpty();
        assertThat(service.counts()).containsEntry(DeliveryState.PENDING, 6L);
    }

    @Test
    void honoursRetryAfterOnThrottling() {
        endpoint("ep_busy");
        receiver.then(Answer.of(429, "Retry-After", "600"), Answer.of(503, "Retry-After", "5"));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_busy").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> { });

        worker.runOnce();
        Instant afterFirst = time.instant();
        assertThat(store.delivery(delivery).orElseThrow().nextAttemptAt()).isAfterOrEqualTo(afterFirst.plusSeconds(600).minusMillis(1));
        time.advance(Duration.ofSeconds(599));
        assertThat(worker.runOnce()).isZero();
        drive(worker, "ep_busy");

        List<DeliveryEvent.RetryScheduled> retries = eventsOf(DeliveryEvent.RetryScheduled.class);
        assertThat(retries.get(0).delay()).isEqualTo(Duration.ofSeconds(600));
        // A hint shorter than the backoff does not shorten it.
        assertThat(retries.get(1).delay()).isBetween(Duration.ofSeconds(180), Duration.ofSeconds(300));
        assertThat(store.attempts(delivery)).extracting(Attempt::httpStatus).containsExactly(429, 503, 200);
        assertThat(worker.breakerState("ep_busy")).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void aSlowReceiverHitsTheTimeoutAndIsRetried() {
        service.createEndpoint(Endpoint.of("ep_slow", receiver.url("/slow"), secret)
                .withPolicy(EndpointPolicy.NONE.withTimeout(Duration.ofMillis(300))));
        receiver.then(Answer.holding());
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_slow").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> { });

        worker.runOnce();

        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> {
            assertThat(a.httpStatus()).isNull();
            assertThat(a.error()).isEqualTo("timed out after 300 ms");
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.RETRY_SCHEDULED);
        });
        drive(worker, "ep_slow");
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }

    @Test
    void coreRetryListenersSeeEachAttemptItsRetryAndItsEnd() {
        endpoint("ep_core");
        endpoint("ep_gone");
        receiver.then(Answer.of(503));
        List<dev.endure.retry.RetryEvent> core = new CopyOnWriteArrayList<>();
        DeliveryWorker worker = worker(b -> b.breaker(null).retryListener(core::add));
        service.send(NewMessage.of("e", "{}"), "ep_core");

        drive(worker, "ep_core");

        assertThat(core).extracting(event -> event.getClass().getSimpleName())
                .containsExactly("AttemptFailed", "RetryScheduled", "Succeeded");
        dev.endure.retry.RetryEvent.RetryScheduled retry = (dev.endure.retry.RetryEvent.RetryScheduled) core.get(1);
        DeliveryEvent.RetryScheduled sameRetry = eventsOf(DeliveryEvent.RetryScheduled.class).get(0);
        assertThat(retry.policyName()).isEqualTo("webhook:ep_core");
        assertThat(retry.nextAttempt()).isEqualTo(2);
        assertThat(retry.delay()).isEqualTo(sameRetry.delay());
        assertThat(retry.reason()).isEqualTo("HTTP 503 on attempt 1");
        assertThat(retry.verdict().kind()).isEqualTo(dev.endure.Verdict.Kind.RETRY);
        assertThat(retry.result()).isInstanceOfSatisfying(AttemptResult.class, r -> assertThat(r.status()).isEqualTo(503));
        dev.endure.retry.RetryEvent.Succeeded success = (dev.endure.retry.RetryEvent.Succeeded) core.get(2);
        assertThat(success.attempts()).isEqualTo(2);
        // The store keeps instants in milliseconds, so compare at that precision.
        assertThat(success.elapsed().toMillis()).as("counted from the first attempt of the window")
                .isGreaterThanOrEqualTo(retry.delay().toMillis());

        core.clear();
        receiver.then(Answer.of(410));
        service.send(NewMessage.of("e", "{}"), "ep_gone");
        worker.runOnce();
        assertThat(core).hasSize(2).last().isInstanceOfSatisfying(dev.endure.retry.RetryEvent.FailedPermanently.class, failed -> {
            assertThat(failed.verdict().kind()).isEqualTo(dev.endure.Verdict.Kind.DISABLE_TARGET);
            assertThat(failed.policyName()).isEqualTo("webhook:ep_gone");
        });
    }

    @Test
    void aFailureRateRuleThatCannotTripCostsNoStatisticsRead() {
        endpoint("ep_never");
        endpoint("ep_seed");
        receiver.otherwise(Answer.of(500));
        service.send(NewMessage.of("e", "{}"), "ep_never");
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> statsReads = new java.util.concurrent.ConcurrentHashMap<>();
        dev.endure.delivery.spi.DeliveryStore counting = (dev.endure.delivery.spi.DeliveryStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {dev.endure.delivery.spi.DeliveryStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("endpointStats")) {
                        statsReads.computeIfAbsent((String) args[0], id -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        DeliveryWorker never = DeliveryWorker.builder(counting).owner("test-node").clock(time).ssrfGuard(guard).breaker(null)
                .policy(DeliveryPolicy.builder().failureRate(FailureRateRule.NEVER).build()).build();
        closeables.add(0, never);

        assertThat(never.runOnce()).isEqualTo(1);
        assertThat(store.endpointStats("ep_never", time.instant().minusSeconds(60)).failuresInWindow()).isEqualTo(1);
        assertThat(statsReads).doesNotContainKey("ep_never");

        // The control: a rule that can trip reads them after a failed attempt.
        service.send(NewMessage.of("e", "{}"), "ep_seed");
        DeliveryWorker seed = DeliveryWorker.builder(counting).owner("test-node-2").clock(time).ssrfGuard(guard).breaker(null)
                .policy(DeliveryPolicy.builder().failureRate(FailureRateRule.SEED_003).build()).build();
        closeables.add(0, seed);
        assertThat(seed.runOnce()).isEqualTo(1);
        assertThat(statsReads.get("ep_seed")).hasValue(1);
    }

    @Test
    void theFullTenHourScheduleEndsAsFailedWithDurationExceeded() {
        endpoint("ep_dead");
        receiver.otherwise(Answer.of(503));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_dead").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> b.breaker(null).policy(DeliveryPolicy.builder().failureRate(FailureRateRule.NEVER).build()));
        Instant start = time.instant();

        drive(worker, "ep_dead");

        Delivery failed = store.delivery(delivery).orElseThrow();
        assertThat(failed.state()).isEqualTo(DeliveryState.FAILED);
        assertThat(failed.terminalReason()).startsWith("max duration exceeded: the next attempt would start 10 h");
        List<Attempt> attempts = store.attempts(delivery);
        assertThat(attempts).hasSizeBetween(14, 18).hasSize(receiver.received().size());
        assertThat(Duration.between(start, attempts.get(attempts.size() - 1).startedAt())).isLessThanOrEqualTo(Duration.ofHours(10));
        assertThat(eventsOf(DeliveryEvent.DurationExceeded.class)).singleElement().satisfies(e -> {
            assertThat(e.attempts()).isEqualTo(attempts.size());
            assertThat(Duration.between(start, time.instant()).plus(e.refusedDelay())).isGreaterThan(Duration.ofHours(10));
        });
        for (int i = 1; i < attempts.size(); i++) {
            Duration gap = Duration.between(attempts.get(i - 1).startedAt(), attempts.get(i).startedAt());
            assertThat(gap).as("gap before attempt %d", i + 1).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(60));
        }
        // Replaying starts a fresh cycle, and the endpoint meanwhile recovered.
        receiver.otherwise(Answer.of(200));
        assertThat(service.replayFailed("ep_dead", start)).isEqualTo(1);
        worker.runOnce();
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }

    @Test
    void givesUpAfterMaxAttemptsWithThatReason() {
        service.createEndpoint(Endpoint.of("ep_few", receiver.url("/few"), secret).withPolicy(EndpointPolicy.NONE.withMaxAttempts(3)));
        receiver.otherwise(Answer.of(500));
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_few").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> b.breaker(null));

        drive(worker, "ep_few");

        assertThat(store.delivery(delivery).orElseThrow().terminalReason())
                .isEqualTo("max retries exceeded: 3 attempts; last HTTP 500 on attempt 3");
        assertThat(eventsOf(DeliveryEvent.MaxRetriesExceeded.class)).hasSize(1);
        assertThat(service.replay(delivery)).isTrue();
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    }

    @Test
    void anOpenBreakerGivesClaimsBackWithoutCountingAnAttempt() {
        endpoint("ep_breaker");
        receiver.otherwise(Answer.of(500));
        for (int i = 0; i < 3; i++) {
            service.send(NewMessage.of("e", "{}"), "ep_breaker");
        }
        DeliveryWorker worker = worker(b -> b.concurrency(1).policy(DeliveryPolicy.builder().failureRate(FailureRateRule.NEVER).build())
                .breaker(CircuitBreakerPolicy.builder().name("webhook").consecutiveFailures(2).openDuration(Duration.ofMinutes(10))
                        .maxOpenDuration(Duration.ofMinutes(10)).build()));

        worker.runOnce();
        worker.runOnce();
        assertThat(worker.breakerState("ep_breaker")).isEqualTo(BreakerState.OPEN);
        worker.runOnce(); // the third is claimed, refused by the open breaker, and given back
        assertThat(receiver.received()).hasSize(2);
        assertThat(service.counts()).containsEntry(DeliveryState.PENDING, 3L);
        assertThat(service.endpointStatus("ep_breaker", worker).breakerState()).isEqualTo(BreakerState.OPEN);
        assertThat(service.endpointStatus("ep_breaker", worker).stats().nextAttemptAt())
                .isAfterOrEqualTo(time.instant().plus(Duration.ofMinutes(1)));
    }

    @Test
    void concurrencyBoundAndRateLimitHoldBackClaims() {
        service.createEndpoint(Endpoint.of("ep_one", receiver.url("/one"), secret).withMaxConcurrency(1));
        service.createEndpoint(Endpoint.of("ep_rate", receiver.url("/rate"), secret).withRateLimit(2));
        for (int i = 0; i < 4; i++) {
            service.send(NewMessage.of("e", "{}"), "ep_one");
            service.send(NewMessage.of("e", "{}"), "ep_rate");
        }
        DeliveryWorker worker = worker(b -> b.concurrency(8));

        assertThat(worker.runOnce()).isEqualTo(1 + 2); // one for ep_one, a burst of two for ep_rate
        assertThat(store.endpointStats("ep_one", time.instant().minusSeconds(60)).totalAttempts()).isEqualTo(1);
        assertThat(store.endpointStats("ep_rate", time.instant().minusSeconds(60)).totalAttempts()).isEqualTo(2);
        time.advance(Duration.ofSeconds(1));
        assertThat(worker.runOnce()).isEqualTo(1 + 2);
    }

    @Test
    void orderedEndpointsReceiveMessagesInOrderEvenAcrossRetries() {
        service.createEndpoint(Endpoint.of("ep_ordered", receiver.url("/ordered"), secret).withOrdered(true));
        receiver.then(Answer.of(500));
        for (int i = 1; i <= 3; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_ordered");
        }
        DeliveryWorker worker = worker(b -> b.concurrency(8));

        drive(worker, "ep_ordered");

        assertThat(receiver.received()).extracting(Receiver.Received::body)
                .containsExactly("{\"n\":1}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
    }

    @Test
    void aResultFromAnExpiredLeaseIsRejected() {
        endpoint("ep_lease");
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_lease").get(0).deliveryId();
        DeliveryWorker fast = worker(b -> b.owner("fast"));
        HttpClientTransport real = HttpClientTransport.create();
        // The slow worker's process is frozen (a long GC pause, a suspended VM): its heartbeat stops too.
        DeliveryWorker slow = worker(b -> b.owner("slow").scheduler(frozenHeartbeat()).transport(request -> {
            // While the slow worker is "on the wire", its lease runs out and the fast one delivers.
            time.advance(fast.lease().plusSeconds(1));
            fast.runOnce();
            return real.send(request);
        }));

        slow.runOnce();

        assertThat(eventsOf(DeliveryEvent.StaleResultRejected.class)).singleElement().satisfies(e -> {
            assertThat(e.owner()).isEqualTo("slow");
            assertThat(e.fencingToken()).isEqualTo(1);
        });
        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> assertThat(a.fencingToken()).isEqualTo(2));
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(receiver.received()).hasSize(2); // the duplicate the receiver de-duplicates by webhook-id
    }

    /** A scheduler whose timers never fire (the process is frozen); waits still pass in virtual time. */
    dev.endure.Scheduler frozenHeartbeat() {
        return new dev.endure.Scheduler() {
            @Override
            public dev.endure.Cancellable schedule(Runnable task, long delayNanos) {
                return () -> true;
            }

            @Override
            public void sleep(long nanos) throws InterruptedException {
                time.sleep(nanos);
            }
        };
    }

    /** A send in the worker's own process used to wait for the worker's next poll (here an hour away). */
    @Test
    void aSendInThisProcessWakesTheIdleWorkerBeforeItsPollInterval() {
        endpoint("ep_wake");
        DeliveryWorker worker = worker(b -> b.owner("waking").pollInterval(Duration.ofHours(1)));
        DeliveryService waking = DeliveryService.builder(store).ssrfGuard(guard).clock(time).onEnqueued(worker::wake).build();
        worker.start();
        // Idle: the first claim found nothing and the poller is waiting out its hour.
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("endure-delivery-waking-poller") && t.getState() == Thread.State.TIMED_WAITING));

        String delivery = waking.send(NewMessage.of("e", "{}"), "ep_wake").get(0).deliveryId();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.delivery(delivery).orElseThrow().state() == DeliveryState.DELIVERED);
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void theHeartbeatKeepsALongSendsLeaseSoNoOtherWorkerTakesIt() {
        endpoint("ep_long");
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_long").get(0).deliveryId();
        DeliveryWorker other = worker(b -> b.owner("other"));
        HttpClientTransport real = HttpClientTransport.create();
        List<Integer> claimedByOther = new ArrayList<>();
        DeliveryWorker sender = worker(b -> b.owner("sender").transport(request -> {
            // Five minutes on the wire (far beyond the 20 s lease); the heartbeat renews it every 5 s meanwhile.
            for (int i = 0; i < 30; i++) {
                time.advance(Duration.ofSeconds(10));
                claimedByOther.add(other.runOnce());
            }
            return real.send(request);
        }));

        sender.runOnce();

        assertThat(claimedByOther).containsOnly(0);
        assertThat(eventsOf(DeliveryEvent.StaleResultRejected.class)).isEmpty();
        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> assertThat(a.fencingToken()).isEqualTo(1));
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void aDeadWorkersClaimMovesToAnotherWithinOneLease() {
        endpoint("ep_takeover");
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_takeover").get(0).deliveryId();
        DeliveryWorker survivor = worker(b -> b.owner("survivor"));
        List<Duration> takenOverAfter = new ArrayList<>();
        HttpClientTransport real = HttpClientTransport.create();
        // The dead worker never returns from its send and its heartbeat never fires again (SIGKILL).
        DeliveryWorker dead = worker(b -> b.owner("dead").scheduler(frozenHeartbeat()).transport(request -> {
            Instant killedAt = time.instant();
            while (survivor.runOnce() == 0) {
                time.advance(Duration.ofSeconds(1));
            }
            takenOverAfter.add(Duration.between(killedAt, time.instant()));
            return real.send(request);
        }));

        dead.runOnce();

        assertThat(takenOverAfter).singleElement().satisfies(after -> assertThat(after).isLessThanOrEqualTo(Duration.ofSeconds(21)));
        assertThat(store.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> assertThat(a.fencingToken()).isEqualTo(2));
    }

    @Test
    void anEndpointWithSettingsTheWorkerCannotRunFailsOnlyItsOwnDeliveries() {
        endpoint("ep_fine");
        Endpoint broken = Endpoint.of("ep_broken", receiver.url("/hooks/ep_broken"), secret)
                .withPolicy(new EndpointPolicy(Duration.ofHours(2), null, Duration.ofMinutes(1), null, null, null));
        store.createEndpoint(broken, time.instant()); // as an older API let through: initial interval above the cap
        String fine = service.send(NewMessage.of("e", "{}"), "ep_fine").get(0).deliveryId();
        String poisoned = service.send(NewMessage.of("e", "{}"), "ep_broken").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> b.breaker(null));

        assertThat(worker.runOnce()).isEqualTo(2);

        assertThat(store.delivery(fine).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.delivery(poisoned).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
        assertThat(store.attempts(poisoned)).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.RETRY_SCHEDULED);
            assertThat(a.error()).startsWith("endpoint settings cannot be applied: ");
        });
        assertThat(worker.health().healthy()).isTrue();
        assertThat(worker.health().preparationFailures()).isEqualTo(1);
    }

    @Test
    void aUrlThatCannotBeSentToCountsTowardMaxAttemptsAndEndsFailed() {
        endpoint("ep_fine");
        store.createEndpoint(Endpoint.of("ep_port", java.net.URI.create("http://127.0.0.1:99999/"), secret), time.instant());
        String fine = service.send(NewMessage.of("e", "{}"), "ep_fine").get(0).deliveryId();
        String poisoned = service.send(NewMessage.of("e", "{}"), "ep_port").get(0).deliveryId();
        DeliveryWorker worker = worker(b -> b.breaker(null)
                .policy(DeliveryPolicy.builder().maxAttempts(3).failureRate(FailureRateRule.NEVER).build()));

        drive(worker, "ep_port");

        assertThat(store.delivery(fine).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.delivery(poisoned).orElseThrow().state()).isEqualTo(DeliveryState.FAILED);
        assertThat(store.attempts(poisoned)).hasSize(3).allSatisfy(a -> assertThat(a.error()).contains("99999"));
        assertThat(store.delivery(poisoned).orElseThrow().terminalReason()).startsWith("max retries exceeded: 3 attempts");
    }

    @Test
    void rotatedSecretsSignWithBothDuringTheOverlap() {
        endpoint("ep_rotate");
        WebhookSecret next = WebhookSecret.generate();
        service.rotateSecret("ep_rotate", next, Duration.ofHours(24));
        service.send(NewMessage.of("e", "{}"), "ep_rotate");
        worker(b -> { }).runOnce();

        Receiver.Received received = receiver.received().get(0);
        assertThat(received.signature().split(" ")).hasSize(2);
        assertThat(received.verified()).isTrue(); // with the old secret
        assertThat(store.endpoint("ep_rotate").orElseThrow().signingKeys().current()).isEqualTo(next);
    }

    @Test
    void theBackgroundLoopDeliversUntilClosed() {
        endpoint("ep_loop");
        receiver.then(Answer.of(500)); // one failure: its retry is minutes away in virtual time
        for (int i = 0; i < 20; i++) {
            service.send(NewMessage.of("e", "{\"n\":" + i + "}"), "ep_loop");
        }
        DeliveryWorker worker = worker(b -> b.concurrency(3).pollInterval(Duration.ofMillis(20)));
        worker.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> service.counts().get(DeliveryState.DELIVERED) == 19);
        time.advance(Duration.ofMinutes(3));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> service.counts().get(DeliveryState.DELIVERED) == 20);
        worker.close();
        assertThat(receiver.received()).hasSize(21);
        assertThat(eventsOf(DeliveryEvent.QueueProcessed.class).stream().mapToInt(DeliveryEvent.QueueProcessed::claimed).sum())
                .isEqualTo(21);
    }

    @Test
    void refusesToSendWhenTheNameNowResolvesToAPrivateAddress() throws Exception {
        // Registered while it resolved to loopback (allowed here); by send time DNS says 10.0.0.5.
        store.createEndpoint(Endpoint.of("ep_rebound", java.net.URI.create("http://hooks.example.test:9/in"), secret), time.instant());
        String delivery = service.send(NewMessage.of("e", "{}"), "ep_rebound").get(0).deliveryId();
        SsrfGuard rebinding = guard.withResolver(host -> new java.net.InetAddress[] {java.net.InetAddress.getByName("10.0.0.5")});
        DeliveryWorker worker = worker(b -> b.ssrfGuard(rebinding));

        worker.runOnce();

        assertThat(store.attempts(delivery)).singleElement().satisfies(a -> assertThat(a.error())
                .isEqualTo("refused by the SSRF guard: webhook URL http://hooks.example.test:9/in resolves to 10.0.0.5, a private address;"
                        + " add it to the SSRF allow-list to permit it"));
        assertThat(receiver.received()).isEmpty();
        assertThat(worker.processingFailures()).isZero();
    }

    @Test
    void refusesEndpointsTheSsrfGuardBlocks() {
        DeliveryService strict = DeliveryService.builder(store).clock(time).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> strict.createEndpoint(Endpoint.of("ep_meta",
                        java.net.URI.create("http://169.254.169.254/latest/meta-data"), secret)))
                .hasMessageContaining("a cloud metadata address");
        assertThat(Set.copyOf(store.endpoints())).isEmpty();
    }
}
