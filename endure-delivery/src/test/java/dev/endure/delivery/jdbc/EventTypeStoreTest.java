package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.spi.EventTypeStore;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The event-type catalogue and subscriptions (migration V5) on PostgreSQL and H2 alike. */
class EventTypeStoreTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    static Stream<TestDatabases.TestDatabase> databases() {
        return Stream.of(TestDatabases.postgres(), TestDatabases.h2());
    }

    private static EventType type(String name) {
        return new EventType(name, "", null, false, NOW, NOW);
    }

    private static Endpoint endpoint(String id) {
        return Endpoint.of(id, URI.create("https://hooks.example.com/" + id), WebhookSecret.generate());
    }

    @ParameterizedTest
    @MethodSource("databases")
    void fansOutToEndpointsThatTakeTheTypeOrEveryType(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        EventTypeStore types = store.eventTypes();
        types.createEventType(type("invoice.paid"));
        types.createEventType(type("user.created"));
        types.createEndpoint(endpoint("all"), Set.of(), NOW);
        types.createEndpoint(endpoint("invoices"), Set.of("invoice.paid"), NOW);
        types.createEndpoint(endpoint("users"), Set.of("user.created"), NOW);
        store.createEndpoint(endpoint("off"), NOW);
        store.disableEndpoint("off", "test", NOW);

        // "off" is disabled but takes every type: a send holds its delivery until it is enabled again.
        assertThat(types.subscribers("invoice.paid")).containsExactly("all", "invoices", "off");
        assertThat(types.subscribers("user.created")).containsExactly("all", "off", "users");
        assertThat(types.subscriptions("all")).isEmpty();
        assertThat(types.subscriptions()).isEqualTo(Map.of("invoices", Set.of("invoice.paid"), "users", Set.of("user.created")));

        types.subscribe("users", Set.of("user.created", "invoice.paid"));
        assertThat(types.subscribers("invoice.paid")).containsExactly("all", "invoices", "off", "users");
        types.subscribe("invoices", Set.of());
        assertThat(types.subscribers("user.created")).containsExactly("all", "invoices", "off", "users");
        assertThatThrownBy(() -> types.subscribe("nobody", Set.of("invoice.paid"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nobody");

        // Deleting an endpoint takes its subscription with it.
        assertThat(store.deleteEndpoint("users", NOW)).isTrue();
        assertThat(types.subscriptions()).doesNotContainKey("users");
    }

    @ParameterizedTest
    @MethodSource("databases")
    void anEndpointWhoseSubscriptionCannotBeStoredIsNotCreatedAtAll(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        EventTypeStore types = store.eventTypes();
        // The type is not in the catalogue: the subscription row violates its foreign key, and the endpoint insert
        // rolls back with it, so the endpoint never exists taking every type.
        assertThatThrownBy(() -> types.createEndpoint(endpoint("ep"), Set.of("never.created"), NOW)).isInstanceOf(RuntimeException.class);
        assertThat(store.endpoint("ep")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void namesAreTakenOnceAndArchivingIsOneWay(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        EventTypeStore types = store.eventTypes();
        types.createEventType(new EventType("a.b", "described", "{\"type\":\"object\"}", false, NOW, NOW));
        assertThatThrownBy(() -> types.createEventType(type("a.b"))).isInstanceOfSatisfying(EventTypeException.class,
                e -> assertThat(e.kind()).isEqualTo(EventTypeException.Kind.EXISTS));
        assertThat(types.archiveEventType("a.b", NOW.plusSeconds(5))).isTrue();
        assertThat(types.archiveEventType("a.b", NOW.plusSeconds(9))).isFalse();
        EventType archived = types.eventType("a.b").orElseThrow();
        assertThat(archived.archived()).isTrue();
        assertThat(archived.payloadSchema()).isEqualTo("{\"type\":\"object\"}");
        assertThat(archived.updatedAt()).isEqualTo(NOW.plusSeconds(5));
        assertThat(types.eventTypes(false)).isEmpty();
        assertThat(types.eventTypes(true)).extracting(EventType::name).containsExactly("a.b");
    }

    @ParameterizedTest
    @MethodSource("databases")
    void findsTheMessageAnIdempotencyKeyWasLastUsedFor(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        store.createEndpoint(endpoint("ep"), NOW);
        NewMessage first = NewMessage.of("a.b", "{}", "key-1");
        store.enqueue(first, List.of("ep"), NOW);
        assertThat(store.eventTypes().messageIdForIdempotencyKey("key-1")).contains(first.id());
        assertThat(store.eventTypes().messageIdForIdempotencyKey("key-2")).isEmpty();
    }

    /**
     * A fan-out send checks its type, looks up its key and finds the subscribers inside its own transaction (a server may
     * have cached the type; another may have archived it since): archived and unknown types are refused and store
     * nothing, a repeated key answers the earlier message whoever subscribes by now, and a type no endpoint takes
     * stores nothing.
     */
    @ParameterizedTest
    @MethodSource("databases")
    void aFanOutSendChecksItsTypeAndKeyInItsOwnTransaction(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        EventTypeStore types = store.eventTypes();
        types.createEventType(type("invoice.paid"));
        types.createEventType(type("nobody.cares"));
        types.createEndpoint(endpoint("invoices"), Set.of("invoice.paid"), NOW);
        types.createEndpoint(endpoint("others"), Set.of("nobody.cares"), NOW);
        store.createEndpoint(endpoint("off"), NOW);
        store.disableEndpoint("off", "test", NOW);

        NewMessage first = NewMessage.of("invoice.paid", "{\"n\":1}", "key-1");
        FanOutResult sent = store.enqueueToSubscribers(first, NOW);
        assertThat(sent.duplicate()).isFalse();
        assertThat(sent.messageId()).isEqualTo(first.id());
        assertThat(sent.deliveries()).extracting(EnqueueResult::endpointId, EnqueueResult::state)
                .containsExactly(tuple("invoices", DeliveryState.PENDING), tuple("off", DeliveryState.HELD));

        types.subscribe("others", Set.of("invoice.paid")); // subscribes after the first send: a repeat still answers the original
        FanOutResult again = store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{\"n\":1}", "key-1"), NOW);
        assertThat(again.duplicate()).isTrue();
        assertThat(again.messageId()).isEqualTo(first.id());
        assertThat(again.deliveries()).extracting(EnqueueResult::deliveryId)
                .containsExactlyElementsOf(sent.deliveries().stream().map(EnqueueResult::deliveryId).toList());
        assertThat(store.deliveriesOfMessage(first.id())).hasSize(2);

        types.subscribe("others", Set.of("nobody.cares"));
        store.deleteEndpoint("off", NOW); // it took every type
        // No endpoint takes it: accepted, nothing stored.
        types.createEventType(type("user.created"));
        NewMessage unwanted = NewMessage.of("user.created", "{}", "key-2");
        assertThat(store.enqueueToSubscribers(unwanted, NOW)).isEqualTo(new FanOutResult(unwanted.id(), false, List.of()));
        assertThat(store.eventTypes().messageIdForIdempotencyKey("key-2")).isEmpty();

        types.archiveEventType("invoice.paid", NOW);
        long stored = store.countsByState().values().stream().mapToLong(Long::longValue).sum();
        assertThatThrownBy(() -> store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "key-3"), NOW))
                .isInstanceOfSatisfying(EventTypeException.class, e -> assertThat(e.kind()).isEqualTo(EventTypeException.Kind.ARCHIVED));
        // The type is checked before the key: a repeat of an accepted send is refused once its type is archived.
        assertThatThrownBy(() -> store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{\"n\":1}", "key-1"), NOW))
                .isInstanceOfSatisfying(EventTypeException.class, e -> assertThat(e.kind()).isEqualTo(EventTypeException.Kind.ARCHIVED));
        assertThatThrownBy(() -> store.enqueueToSubscribers(NewMessage.of("no.such.type", "{}"), NOW))
                .isInstanceOfSatisfying(EventTypeException.class, e -> assertThat(e.kind()).isEqualTo(EventTypeException.Kind.UNKNOWN));
        assertThat(store.countsByState().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(stored);
        assertThat(store.eventTypes().messageIdForIdempotencyKey("key-3")).isEmpty();
    }

    /** Concurrent fan-out sends with one key store one message; every other one answers it as a duplicate. */
    @ParameterizedTest
    @MethodSource("databases")
    void concurrentFanOutSendsOfOneKeyStoreOneMessage(TestDatabases.TestDatabase database) throws Exception {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        store.eventTypes().createEventType(type("invoice.paid"));
        store.createEndpoint(endpoint("a"), NOW);
        store.createEndpoint(endpoint("b"), NOW);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<FanOutResult>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                results.add(pool.submit(() -> store.enqueueToSubscribers(NewMessage.of("invoice.paid", "{}", "same"), NOW)));
            }
            java.util.Set<String> messageIds = new java.util.HashSet<>();
            int accepted = 0;
            for (java.util.concurrent.Future<FanOutResult> result : results) {
                FanOutResult sent = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
                messageIds.add(sent.messageId());
                accepted += sent.duplicate() ? 0 : 1;
                assertThat(sent.deliveries()).hasSize(2);
            }
            assertThat(accepted).isEqualTo(1);
            assertThat(messageIds).hasSize(1);
            assertThat(store.countsByState()).containsEntry(DeliveryState.PENDING, 2L);
        } finally {
            pool.shutdownNow();
        }
    }
}
