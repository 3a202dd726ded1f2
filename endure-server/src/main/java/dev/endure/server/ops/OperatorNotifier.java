package dev.endure.server.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.Clock;
import dev.endure.delivery.DeliveryEvent;
import dev.endure.delivery.DeliveryListener;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.signing.SigningKeys;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.server.api.Json;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends operational events to the operator through the delivery engine itself: the operator's URL is an endpoint
 * ({@value #ENDPOINT_ID}, signed with {@code operator.secret}), and each event is a message to it, so it is stored,
 * signed, retried on the seed 003 schedule and shown like any delivery. The worker's thread only puts the event on a
 * queue; one background thread enqueues it, and retries while the store does not answer, so a notification never
 * slows a delivery down. Events about the operator endpoint itself are logged, never sent (they would feed on
 * themselves). What can be lost: events queued in memory when the process dies before the store took them (the queue
 * is drained within milliseconds while the store answers), and events beyond {@value #MAX_QUEUED} waiting for a store
 * that is down, which are counted and logged.
 */
public final class OperatorNotifier implements DeliveryListener, AutoCloseable {

    /** The operator's endpoint id. */
    public static final String ENDPOINT_ID = "endure-operator";
    static final int MAX_QUEUED = 10_000;
    private static final int RECENT = 50;
    private static final Logger LOG = LoggerFactory.getLogger(OperatorNotifier.class);

    private final DeliveryStore store;
    private final Clock clock;
    private final URI url;
    private final Set<String> types;
    private final LinkedBlockingQueue<OperatorEvent> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final ReentrantLock recentLock = new ReentrantLock();
    private final Deque<OperatorEvent> recent = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;

    private OperatorNotifier(DeliveryStore store, Clock clock, URI url, Set<String> types) {
        this.store = store;
        this.clock = clock;
        this.url = url;
        this.types = types;
        this.sender = new Thread(this::drain, "endure-operator-events");
        this.sender.setDaemon(true);
    }

    /**
     * Registers (or updates, when another node did) the operator endpoint and starts the sender.
     *
     * @param types the events to send ({@link OperatorEvent#ENDPOINT_DISABLED}, {@link OperatorEvent#MESSAGE_FAILED})
     */
    public static OperatorNotifier start(DeliveryStore store, Clock clock, URI url, WebhookSecret secret, List<String> types) {
        Endpoint endpoint = Endpoint.of(ENDPOINT_ID, url, secret);
        java.util.Optional<Endpoint> existing = store.endpoint(ENDPOINT_ID);
        if (existing.isEmpty()) {
            try {
                store.createEndpoint(endpoint, clock.instant());
            } catch (IllegalArgumentException raced) {
                store.updateEndpoint(endpoint); // another node registered it at the same moment
            }
        } else if (!existing.get().url().equals(url) || !existing.get().signingKeys().equals(SigningKeys.of(secret))) {
            store.updateEndpoint(existing.get().withUrl(url).withSigningKeys(SigningKeys.of(secret)));
        }
        OperatorNotifier notifier = new OperatorNotifier(store, clock, url, Set.copyOf(types));
        notifier.sender.start();
        return notifier;
    }

    @Override
    public void onEvent(DeliveryEvent event) {
        OperatorEvent.of(event, clock.instant()).ifPresent(this::report);
    }

    private void report(OperatorEvent event) {
        if (ENDPOINT_ID.equals(event.endpointId())) {
            LOG.warn("operator endpoint {}: {} ({}); not sent to itself", url, event.type(), event.reason());
            return;
        }
        if (!types.contains(event.type())) {
            return;
        }
        recentLock.lock();
        try {
            recent.addFirst(event);
            while (recent.size() > RECENT) {
                recent.removeLast();
            }
        } finally {
            recentLock.unlock();
        }
        if (!queue.offer(event) && dropped.incrementAndGet() == 1) {
            LOG.error("operator events: {} are waiting for the store; dropping new ones (counted) until it answers", MAX_QUEUED);
        }
    }

    private void drain() {
        long backoffMillis = 100;
        OperatorEvent next = null;
        while (!closed || next != null || !queue.isEmpty()) {
            try {
                if (next == null) {
                    next = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        continue;
                    }
                }
                store.enqueue(NewMessage.of("endure." + next.type(), next.body(), next.idempotencyKey()), List.of(ENDPOINT_ID),
                        clock.instant());
                sent.incrementAndGet();
                next = null;
                backoffMillis = 100;
            } catch (InterruptedException stop) {
                if (next != null || !queue.isEmpty()) {
                    LOG.warn("operator events: {} not stored at shutdown", (next != null ? 1 : 0) + queue.size());
                }
                return;
            } catch (RuntimeException storeDown) {
                if (backoffMillis == 100) {
                    LOG.warn("operator events: cannot store {} for {} ({}); retrying", next.type(), url, storeDown.getMessage());
                }
                try {
                    Thread.sleep(backoffMillis); // the sender's own thread: waiting here holds up no delivery
                } catch (InterruptedException stop) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
            }
        }
    }

    /** The most recent events this node reported, newest first, and its counters: what the dashboard shows. */
    public ObjectNode recentJson() {
        ObjectNode json = Json.object();
        json.put("enabled", true);
        json.put("endpointId", ENDPOINT_ID);
        json.put("url", url.toString());
        json.put("sent", sent.get());
        json.put("dropped", dropped.get());
        json.put("waiting", queue.size());
        ArrayNode events = json.putArray("events");
        recentLock.lock();
        try {
            for (OperatorEvent event : recent) {
                ObjectNode entry = events.addObject();
                entry.put("type", event.type());
                entry.put("timestamp", event.at().toString());
                entry.setAll(event.data());
            }
        } finally {
            recentLock.unlock();
        }
        return json;
    }

    /** Stops the sender after it stored what is queued (within a second). */
    @Override
    public void close() {
        closed = true;
        try {
            sender.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
    }
}
