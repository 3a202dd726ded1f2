package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.EventTypeStore;
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
    void fansOutToEnabledEndpointsThatTakeTheTypeOrEveryType(TestDatabases.TestDatabase database) {
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(database.dataSource());
        EventTypeStore types = store.eventTypes();
        types.createEventType(type("invoice.paid"));
        types.createEventType(type("user.created"));
        types.createEndpoint(endpoint("all"), Set.of(), NOW);
        types.createEndpoint(endpoint("invoices"), Set.of("invoice.paid"), NOW);
        types.createEndpoint(endpoint("users"), Set.of("user.created"), NOW);
        store.createEndpoint(endpoint("off"), NOW);
        store.disableEndpoint("off", "test", NOW);

        assertThat(types.subscribers("invoice.paid")).containsExactly("all", "invoices");
        assertThat(types.subscribers("user.created")).containsExactly("all", "users");
        assertThat(types.subscriptions("all")).isEmpty();
        assertThat(types.subscriptions()).isEqualTo(Map.of("invoices", Set.of("invoice.paid"), "users", Set.of("user.created")));

        types.subscribe("users", Set.of("user.created", "invoice.paid"));
        assertThat(types.subscribers("invoice.paid")).containsExactly("all", "invoices", "users");
        types.subscribe("invoices", Set.of());
        assertThat(types.subscribers("user.created")).containsExactly("all", "invoices", "users");
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
}
