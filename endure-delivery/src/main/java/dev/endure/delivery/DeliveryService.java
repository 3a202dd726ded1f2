package dev.endure.delivery;

import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.spi.EventTypeStore;

import dev.endure.Clock;
import dev.endure.delivery.signing.SigningSecret;
import dev.endure.delivery.ssrf.SsrfGuard;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The producer's and operator's side of delivery: register endpoints, send messages, disable, enable,
 * replay, rotate secrets, and ask for status. Workers ({@link DeliveryWorker}) do the sending.
 *
 * <pre>{@code
 * DeliveryService deliveries = DeliveryService.builder(store).build();
 * deliveries.createEndpoint(Endpoint.of("ep_1", URI.create("https://hooks.example.com/in"), SignatureScheme.V1.generate()));
 * List<EnqueueResult> sent = deliveries.send(NewMessage.of("invoice.paid", json, "invoice-42"), "ep_1");
 * }</pre>
 */
public final class DeliveryService {

    private final DeliveryStore store;
    private final SsrfGuard guard;
    private final Clock clock;
    private final Duration statsWindow;
    private final Runnable enqueued;
    private final EventTypeStore eventTypes;

    private DeliveryService(DeliveryStore store, SsrfGuard guard, Clock clock, Duration statsWindow, Runnable enqueued,
            EventTypeStore eventTypes) {
        this.store = store;
        this.guard = guard;
        this.clock = clock;
        this.statsWindow = statsWindow;
        this.enqueued = enqueued;
        this.eventTypes = eventTypes;
    }

    public static Builder builder(DeliveryStore store) {
        return new Builder(store);
    }

    public DeliveryStore store() {
        return store;
    }

    /**
     * Registers an endpoint after checking its URL against the SSRF guard now (the worker checks
     * again before every send, since DNS answers change).
     *
     * @throws IllegalArgumentException naming the URL and the refused address
     */
    public void createEndpoint(Endpoint endpoint) {
        createEndpoint(endpoint, Set.of());
    }

    /**
     * As {@link #createEndpoint(Endpoint)}, subscribed only to {@code eventTypes} (empty: every type), in one
     * transaction. Needs the event-type store ({@link Builder#eventTypes}) unless the set is empty.
     *
     * @throws IllegalArgumentException naming the URL and the refused address
     */
    public void createEndpoint(Endpoint endpoint, Set<String> eventTypes) {
        try {
            guard.vet(endpoint.url());
        } catch (IOException refused) {
            throw new IllegalArgumentException("endpoint " + endpoint.id() + " refused: " + refused.getMessage(), refused);
        }
        if (eventTypes.isEmpty()) {
            store.createEndpoint(endpoint, clock.instant());
        } else {
            if (this.eventTypes == null) {
                throw new IllegalStateException("subscribing an endpoint to event types needs an event-type store (Builder.eventTypes)");
            }
            this.eventTypes.createEndpoint(endpoint, eventTypes, clock.instant());
        }
    }

    /**
     * Replaces an endpoint's URL, keys, policy, limits and ordering; a changed URL is checked against
     * the SSRF guard first, as on creation.
     *
     * @throws IllegalArgumentException naming the URL and the refused address, or an unknown endpoint
     */
    public void updateEndpoint(Endpoint endpoint) {
        Endpoint current = requireEndpoint(endpoint.id());
        if (!current.url().equals(endpoint.url())) {
            try {
                guard.vet(endpoint.url());
            } catch (IOException refused) {
                throw new IllegalArgumentException("endpoint " + endpoint.id() + " refused: " + refused.getMessage(), refused);
            }
        }
        store.updateEndpoint(endpoint);
    }

    /**
     * Sends many messages to the same endpoints at once (one transaction on the JDBC store); per message, as
     * {@link #send}. For producers with many messages: one round trip set instead of one per message.
     */
    public List<List<EnqueueResult>> sendAll(List<NewMessage> messages, List<String> endpointIds) {
        List<List<EnqueueResult>> results = store.enqueueAll(messages, endpointIds, clock.instant());
        enqueued.run();
        return results;
    }

    /**
     * Deletes an endpoint with its deliveries and their attempts.
     *
     * @return false if it did not exist
     * @throws IllegalStateException if a delivery to it is in flight now
     */
    public boolean deleteEndpoint(String endpointId) {
        return store.deleteEndpoint(endpointId, clock.instant());
    }

    /** Removes one message's payload at once (see {@link DeliveryStore#expungePayload}); false if there is no such message. */
    public boolean expungePayload(String messageId) {
        return store.expungePayload(messageId, clock.instant());
    }

    public Optional<Endpoint> endpoint(String endpointId) {
        return store.endpoint(endpointId);
    }

    public List<Endpoint> endpoints() {
        return store.endpoints();
    }

    /** One endpoint's attempt statistics over the stats window up to now. */
    public EndpointAttemptStats stats(String endpointId) {
        return store.endpointStats(endpointId, clock.instant().minus(statsWindow));
    }

    /** Sends a message to each endpoint; a repeated idempotency key for an endpoint comes back as a duplicate. */
    public List<EnqueueResult> send(NewMessage message, String... endpointIds) {
        return send(message, List.of(endpointIds));
    }

    /** As {@link #send(NewMessage, String...)}. */
    public List<EnqueueResult> send(NewMessage message, List<String> endpointIds) {
        List<EnqueueResult> results = store.enqueue(message, endpointIds, clock.instant());
        enqueued.run();
        return results;
    }

    /**
     * Sends a message to every endpoint that takes its event type, checking in the same transaction that the type
     * is in the catalogue and not archived (see {@link DeliveryStore#enqueueToSubscribers}).
     *
     * @throws EventTypeException if the event type is unknown or archived
     */
    public FanOutResult sendToSubscribers(NewMessage message) {
        FanOutResult result = store.enqueueToSubscribers(message, clock.instant());
        if (!result.duplicate() && !result.deliveries().isEmpty()) {
            enqueued.run();
        }
        return result;
    }

    public Optional<Delivery> delivery(String deliveryId) {
        return store.delivery(deliveryId);
    }

    /** The deliveries of one message, one per endpoint. */
    public List<Delivery> deliveriesOfMessage(String messageId) {
        return store.deliveriesOfMessage(messageId);
    }

    /** A delivery's attempts, oldest first. */
    public List<Attempt> attempts(String deliveryId) {
        return store.attempts(deliveryId);
    }

    /** Now, by this service's clock (the time operator actions are recorded at). */
    public Instant now() {
        return clock.instant();
    }

    /** Makes {@code next} the current secret; the old one keeps signing for {@code overlap} from now. */
    public Endpoint rotateSecret(String endpointId, SigningSecret next, Duration overlap) {
        Endpoint endpoint = requireEndpoint(endpointId);
        Endpoint rotated = endpoint.withSigningKeys(endpoint.signingKeys().rotate(next, overlap, clock.instant()));
        store.updateEndpoint(rotated);
        return rotated;
    }

    public boolean disable(String endpointId, String reason) {
        requireEndpoint(endpointId);
        return store.disableEndpoint(endpointId, Objects.requireNonNull(reason, "reason"), clock.instant());
    }

    /** Enables an endpoint; returns how many held deliveries resumed (-1 if it was enabled already). */
    public int enable(String endpointId) {
        requireEndpoint(endpointId);
        return store.enableEndpoint(endpointId, clock.instant());
    }

    /** Replays one failed delivery now. */
    public boolean replay(String deliveryId) {
        return store.replay(deliveryId, clock.instant());
    }

    /** Replays every failed delivery of an endpoint that finished at or after {@code since}. */
    public int replayFailed(String endpointId, Instant since) {
        requireEndpoint(endpointId);
        return store.replayFailed(endpointId, since, clock.instant());
    }

    /** Deliveries per state: pending, in flight, delivered, failed, held. */
    public Map<DeliveryState, Long> counts() {
        return store.countsByState();
    }

    /** One endpoint's status; pass the local worker for its breaker state (or null). */
    public EndpointStatus endpointStatus(String endpointId, DeliveryWorker worker) {
        Endpoint endpoint = requireEndpoint(endpointId);
        EndpointAttemptStats stats = store.endpointStats(endpointId, clock.instant().minus(statsWindow));
        return new EndpointStatus(endpoint, stats, worker == null ? null : worker.breakerState(endpointId));
    }

    /** A message's deliveries and their attempts. */
    public MessageHistory history(String messageId) {
        List<Delivery> deliveries = store.deliveriesOfMessage(messageId);
        Map<String, List<Attempt>> attempts = new LinkedHashMap<>();
        for (Delivery delivery : deliveries) {
            attempts.put(delivery.id(), store.attempts(delivery.id()));
        }
        return new MessageHistory(messageId, deliveries, attempts);
    }

    private Endpoint requireEndpoint(String endpointId) {
        return store.endpoint(endpointId).orElseThrow(() -> new IllegalArgumentException("unknown endpoint " + endpointId));
    }

    /** Builds a {@link DeliveryService}. */
    public static final class Builder {
        private final DeliveryStore store;
        private SsrfGuard guard = SsrfGuard.defaults();
        private Clock clock = Clock.system();
        private Duration statsWindow = Duration.ofHours(24);
        private Runnable enqueued = () -> { };
        private EventTypeStore eventTypes;

        private Builder(DeliveryStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        public Builder ssrfGuard(SsrfGuard value) {
            this.guard = Objects.requireNonNull(value, "ssrfGuard");
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Called after every send has committed, e.g. {@code worker::wake} for a {@link DeliveryWorker} in the same
         * process, so the new deliveries are claimed at once instead of at the worker's next poll.
         */
        public Builder onEnqueued(Runnable value) {
            this.enqueued = Objects.requireNonNull(value, "onEnqueued");
            return this;
        }

        /** The window of the success rate in {@link #endpointStatus}. */
        public Builder statsWindow(Duration value) {
            this.statsWindow = Objects.requireNonNull(value, "statsWindow");
            return this;
        }

        /** Where subscriptions live, for {@link DeliveryService#createEndpoint(Endpoint, Set)} with event types. */
        public Builder eventTypes(EventTypeStore value) {
            this.eventTypes = Objects.requireNonNull(value, "eventTypes");
            return this;
        }

        public DeliveryService build() {
            return new DeliveryService(store, guard, clock, statsWindow, enqueued, eventTypes);
        }
    }
}
