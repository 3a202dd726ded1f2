package dev.endure.delivery;

import dev.endure.delivery.internal.CoreRetryEvents;
import dev.endure.delivery.internal.Decision;
import dev.endure.delivery.internal.DeliveryDecider;

import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.StaleLeaseException;
import dev.endure.delivery.spi.Transition;

import dev.endure.Classifier;
import dev.endure.Verdict;
import dev.endure.breaker.BreakerGuard;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.delivery.signing.WebhookSigner;
import dev.endure.delivery.transport.WebhookRequest;
import dev.endure.delivery.transport.WebhookResponse;
import dev.endure.http.RetryAfter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One delivery's attempt, from its claim to its recorded result: breaker permission (an open breaker gives
 * the claim back, due when it half-opens, without counting an attempt) → SSRF vetting of the URL (resolve
 * once) → sign → send to the vetted address → decide ({@link DeliveryDecider}) → record with the fencing
 * token → failure-rate check. No database transaction is open while the request is in flight.
 *
 * <p>Poison isolation (DESIGN.md idea 11): whatever fails while preparing or sending this delivery (its
 * endpoint's policy, its URL, signing, the transport) becomes a failed attempt with the reason, recorded on
 * this delivery and counted toward its limits; it never escapes to stop the worker or other endpoints. A
 * result the store will not take is retried until the store answers ({@link DeliveryWorker#untilStored}).
 */
final class DeliveryAttempt {

    private final DeliveryWorker worker;
    private final Claim claim;
    /** Whether the request left for the endpoint (a failure before that says nothing about the receiver). */
    private boolean endpointCalled;
    /** What the receiver's answer says about its load (for the endpoint's adaptive limit); nothing until it answers. */
    private volatile Verdict loadSignal = Verdict.fail();
    private boolean timedOut;
    /** Whether this attempt holds one of the worker's sender permits ({@link DeliveryWorker#takeSender}). */
    private boolean holdingSender;

    DeliveryAttempt(DeliveryWorker worker, Claim claim) {
        this.worker = worker;
        this.claim = claim;
    }

    /** Runs the attempt; returns its outcome, or null if nothing was recorded (handed back, or superseded). */
    AttemptOutcome run() {
        if (!worker.takeSender()) {
            // The worker is stopping and this claim never got a sender: give it back untouched, due now.
            worker.untilStored("release", () -> worker.store.release(claim, worker.clock.instant()));
            return null;
        }
        holdingSender = true;
        try {
            return attempt();
        } finally {
            releaseSender();
        }
    }

    /** Frees this attempt's sender permit (once the request is answered, so recording does not hold it). */
    private void releaseSender() {
        if (holdingSender) {
            holdingSender = false;
            worker.releaseSender();
        }
    }

    private AttemptOutcome attempt() {
        Optional<Endpoint> found = worker.claimedEndpoint(claim.endpointId());
        if (found.isEmpty()) {
            found = worker.untilStored("read endpoint", () -> worker.store.endpoint(claim.endpointId()));
        }
        if (found.isEmpty() || !found.get().enabled()) {
            // Disabled meanwhile: the claim query will not pick it up again.
            worker.untilStored("release", () -> worker.store.release(claim, worker.clock.instant()));
            return null;
        }
        Endpoint endpoint = found.get();
        DeliveryPolicy effective;
        String policyProblem = null;
        try {
            effective = worker.policy.forEndpoint(endpoint.policy());
        } catch (RuntimeException invalid) {
            // Settings the worker cannot run: decided by the server's policy, recorded as this delivery's failure.
            effective = worker.policy;
            policyProblem = "endpoint settings cannot be applied: " + message(invalid);
        }
        CircuitBreaker.Permit permit;
        try {
            permit = breakerPermit(endpoint);
        } catch (CallNotPermittedException open) {
            Instant retryAt = worker.clock.instant().plus(open.retryAfter().orElse(Duration.ofSeconds(1)));
            worker.untilStored("release", () -> worker.store.release(claim, retryAt)); // not an attempt: the endpoint was not called
            return null;
        }
        Instant started = worker.clock.instant();
        AttemptResult result = policyProblem != null ? prepareFailed(policyProblem, System.nanoTime()) : send(endpoint, effective, started);
        recordOnBreaker(permit, endpointCalled, effective, result);
        loadSignal = endpointCalled ? loadSignal(effective, result, timedOut) : Verdict.fail();
        Instant ended = worker.clock.instant();
        Instant windowStart = claim.windowStart() != null ? claim.windowStart() : started;
        Decision decision = DeliveryDecider.decide(effective, claim.attemptNumber(), windowStart, ended, result, claim.previousDelay(),
                worker.random != null ? worker.random : ThreadLocalRandom.current());
        return record(endpoint, effective, started, result, decision);
    }

    /**
     * What this attempt tells the endpoint's adaptive concurrency limit: a 2xx is a latency sample, a throttling answer
     * (the status table's 429/503) or a timeout is overload, anything else says nothing about load (a 400 or a 500 is
     * the receiver's problem, not its capacity).
     */
    Verdict loadSignal() {
        return loadSignal;
    }

    private static Verdict loadSignal(DeliveryPolicy effective, AttemptResult result, boolean timedOut) {
        if (result.status() == null) {
            return timedOut ? Verdict.retry() : Verdict.fail();
        }
        int status = result.status();
        if (status >= 200 && status < 300) {
            return Verdict.success();
        }
        return effective.statusTable().isThrottling(status) ? Verdict.retry() : Verdict.fail();
    }

    private CircuitBreaker.Permit breakerPermit(Endpoint endpoint) {
        CircuitBreaker breaker = worker.breaker(endpoint.id());
        return breaker == null ? null : breaker.acquirePermission();
    }

    /**
     * The breaker's view of one attempt, by core's guard and status table: network errors and the statuses
     * the policy's table counts (5xx) are failures, a 4xx never is; no call made releases the permit.
     */
    private static void recordOnBreaker(CircuitBreaker.Permit permit, boolean endpointCalled, DeliveryPolicy effective,
            AttemptResult result) {
        if (permit == null) {
            return;
        }
        if (!endpointCalled) {
            permit.release(); // never reached the endpoint: a bad setting is not a broken receiver
            return;
        }
        BreakerGuard.end(permit, breakerOutcomes(effective), result, null, result.latency().toNanos());
    }

    /**
     * Whether an event type can go in a header as it is (visible ASCII, no spaces). Catalogue names always can;
     * a free-form type sent through the library may not, and then the receiver finds it in the payload only,
     * instead of the attempt failing on a header the transport refuses.
     */
    static boolean isHeaderToken(String eventType) {
        if (eventType == null || eventType.isEmpty()) {
            return false;
        }
        for (int i = 0; i < eventType.length(); i++) {
            char c = eventType.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** What an endpoint's breaker counts: a network error, or a status the policy's table counts against it. */
    private static Classifier<AttemptResult> breakerOutcomes(DeliveryPolicy effective) {
        return (result, failure) -> result == null || result.status() == null
                ? Verdict.fail(result == null ? String.valueOf(failure) : result.describe())
                : effective.statusTable().breakerVerdict(result.status());
    }

    private AttemptResult send(Endpoint endpoint, DeliveryPolicy effective, Instant now) {
        long start = System.nanoTime();
        WebhookRequest request;
        try {
            List<InetAddress> addresses = worker.guard.vet(endpoint.url());
            Map<String, String> headers = WebhookSigner.headers(claim.messageId(), now, claim.payload(),
                    endpoint.signingKeys().signingAt(now));
            if (isHeaderToken(claim.eventType())) {
                headers.put(WebhookSigner.EVENT_TYPE_HEADER, claim.eventType());
            }
            request = new WebhookRequest(endpoint.url(), addresses, headers, claim.payload(), effective.timeout());
        } catch (IOException e) {
            return AttemptResult.error(describe(e, effective), Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            return prepareFailed("could not prepare the request: " + message(e), start);
        }
        endpointCalled = true;
        try {
            WebhookResponse response;
            try {
                response = worker.transport.send(request);
            } finally {
                releaseSender();
            }
            Duration retryAfter = response.header("retry-after")
                    .flatMap(value -> RetryAfter.parse(value, worker.clock.instant()).delay()).orElse(null);
            return AttemptResult.status(response.status(), retryAfter, response.latency(), response.bodySnippet());
        } catch (IOException e) {
            timedOut = e instanceof SocketTimeoutException || e instanceof java.net.http.HttpTimeoutException;
            return AttemptResult.error(describe(e, effective), Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            return AttemptResult.error("could not send: " + message(e), Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** A failure before the request left: recorded on this delivery like any failed attempt. */
    private AttemptResult prepareFailed(String reason, long startNanos) {
        worker.trouble.preparationFailed();
        return AttemptResult.error(reason, Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos)));
    }

    private static String message(RuntimeException e) {
        String text = e.getMessage();
        return text == null || text.isBlank() ? e.getClass().getSimpleName() : text;
    }

    private static String describe(IOException e, DeliveryPolicy effective) {
        if (e instanceof dev.endure.delivery.ssrf.SsrfBlockedException) {
            return "refused by the SSRF guard: " + e.getMessage();
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out after " + dev.endure.Durations.describe(effective.timeout());
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private AttemptOutcome record(Endpoint endpoint, DeliveryPolicy effective, Instant started, AttemptResult result,
            Decision decision) {
        Transition transition;
        AttemptOutcome outcome;
        Instant next = null;
        String terminal = null;
        if (decision instanceof Decision.Delivered) {
            transition = new Transition.Delivered();
            outcome = AttemptOutcome.DELIVERED;
        } else if (decision instanceof Decision.Retry retry) {
            transition = new Transition.RetryAt(retry.at(), retry.delay());
            outcome = AttemptOutcome.RETRY_SCHEDULED;
            next = retry.at();
        } else if (decision instanceof Decision.GiveUp giveUp) {
            transition = new Transition.Failed(giveUp.reason());
            outcome = AttemptOutcome.FAILED;
            terminal = giveUp.reason();
        } else {
            Decision.DisableEndpoint disable = (Decision.DisableEndpoint) decision;
            transition = new Transition.Held("endpoint disabled: " + disable.reason());
            outcome = AttemptOutcome.HELD;
            terminal = "endpoint disabled: " + disable.reason();
        }
        Duration latency = result.latency();
        Attempt attempt = new Attempt(claim.deliveryId(), claim.endpointId(), claim.attemptNumber(), claim.fencingToken(), started,
                latency, result.status(), result.error(), result.responseSnippet(), outcome, next, terminal);
        try {
            worker.untilStored("record result", () -> {
                worker.store.complete(claim, attempt, transition);
                return null;
            });
        } catch (StaleLeaseException stale) {
            worker.emit(new DeliveryEvent.StaleResultRejected(claim.deliveryId(), worker.owner, claim.fencingToken()));
            return null;
        }
        emitCore(started, result, decision);
        int attempts = claim.attemptNumber();
        if (decision instanceof Decision.Delivered) {
            worker.emit(new DeliveryEvent.Delivered(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts, latency));
            return outcome;
        }
        if (decision instanceof Decision.Retry retry) {
            worker.emit(new DeliveryEvent.RetryScheduled(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts,
                    retry.delay(), retry.at(), retry.reason()));
        } else if (decision instanceof Decision.GiveUp giveUp) {
            worker.emit(switch (giveUp.cause()) {
                case PERMANENT -> new DeliveryEvent.Failed(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts,
                        giveUp.reason());
                case DURATION_EXCEEDED -> new DeliveryEvent.DurationExceeded(claim.deliveryId(), claim.messageId(), claim.endpointId(),
                        attempts, giveUp.refusedDelay(), giveUp.reason());
                case MAX_ATTEMPTS -> new DeliveryEvent.MaxRetriesExceeded(claim.deliveryId(), claim.messageId(), claim.endpointId(),
                        attempts, giveUp.reason());
                case RETRY_AFTER_TOO_LONG -> new DeliveryEvent.Failed(claim.deliveryId(), claim.messageId(), claim.endpointId(), attempts,
                        giveUp.reason());
            });
        } else {
            String reason = ((Decision.DisableEndpoint) decision).reason() + " (delivery " + claim.deliveryId() + ")";
            Instant now = worker.clock.instant();
            if (worker.untilStored("disable endpoint", () -> worker.store.disableEndpoint(endpoint.id(), reason, now))) {
                worker.emit(new DeliveryEvent.EndpointPermanentlyDisabled(endpoint.id(),
                        "endpoint " + endpoint.url() + " disabled: " + reason));
            }
            return outcome;
        }
        checkFailureRate(endpoint, effective);
        return outcome;
    }

    private void checkFailureRate(Endpoint endpoint, DeliveryPolicy effective) {
        FailureRateRule rule = effective.failureRate();
        if (!rule.canTrip()) {
            return;
        }
        Instant now = worker.clock.instant();
        EndpointAttemptStats stats = worker.untilStored("read endpoint stats",
                () -> worker.store.endpointStats(endpoint.id(), now.minus(rule.window())));
        if (rule.trips(stats)
                && worker.untilStored("disable endpoint", () -> worker.store.disableEndpoint(endpoint.id(), rule.describe(stats), now))) {
            worker.emit(new DeliveryEvent.EndpointFailureRateDisabled(endpoint.id(),
                    "endpoint " + endpoint.url() + " disabled: " + rule.describe(stats), stats));
        }
    }

    private void emitCore(Instant started, AttemptResult result, Decision decision) {
        if (worker.retryListeners.isEmpty()) {
            return;
        }
        Instant windowStart = claim.windowStart() != null ? claim.windowStart() : started;
        Duration elapsed = Duration.between(windowStart, worker.clock.instant());
        for (dev.endure.retry.RetryEvent event : CoreRetryEvents.of(claim, result, decision, elapsed)) {
            for (dev.endure.retry.RetryListener listener : worker.retryListeners) {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException e) {
                    worker.listenerFailures.incrementAndGet();
                }
            }
        }
    }

    /**
     * Records a failure that escaped the attempt (not the store being down: that is retried inside it) as a
     * failed attempt of this delivery, decided by the worker's own policy, so it counts toward the limits.
     */
    static AttemptOutcome recordUnexpected(DeliveryWorker worker, Claim claim, RuntimeException failure) {
        String text = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        AttemptResult result = AttemptResult.error("attempt failed before a result: " + text, Duration.ZERO);
        Instant now = worker.clock.instant();
        Instant windowStart = claim.windowStart() != null ? claim.windowStart() : now;
        Decision decision = DeliveryDecider.decide(worker.policy, claim.attemptNumber(), windowStart, now, result, claim.previousDelay(),
                worker.random != null ? worker.random : ThreadLocalRandom.current());
        Instant next = decision instanceof Decision.Retry retry ? retry.at() : null;
        Duration delay = decision instanceof Decision.Retry retry ? retry.delay() : null;
        String terminal = next != null ? null : decision instanceof Decision.GiveUp giveUp ? giveUp.reason() : result.describe();
        Transition transition = next != null ? new Transition.RetryAt(next, delay) : new Transition.Failed(terminal);
        AttemptOutcome outcome = next != null ? AttemptOutcome.RETRY_SCHEDULED : AttemptOutcome.FAILED;
        Attempt attempt = new Attempt(claim.deliveryId(), claim.endpointId(), claim.attemptNumber(), claim.fencingToken(), now,
                Duration.ZERO, null, result.error(), null, outcome, next, terminal);
        try {
            worker.untilStored("record result", () -> {
                worker.store.complete(claim, attempt, transition);
                return null;
            });
            return outcome;
        } catch (RuntimeException stillFailing) {
            return null; // superseded, or the worker is stopping: the lease expires and another attempt is made
        }
    }
}
