package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.StaleLeaseException;
import dev.endure.delivery.spi.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The group commit's coordination, with a writer that records the batches it is given. */
class CompleteSqlTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void resultsArrivingDuringAWriteShareTheNextTransaction() throws Exception {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(9);
        java.util.concurrent.atomic.AtomicReference<CompleteSql> self = new java.util.concurrent.atomic.AtomicReference<>();
        CompleteSql group = new CompleteSql(items -> {
            batches.add(items.size());
            if (batches.size() == 1) {
                // Holds the first write open until all eight have queued behind it.
                await().atMost(Duration.ofSeconds(10)).until(() -> self.get().queued() == 8);
            }
            boolean[] matched = new boolean[items.size()];
            for (int i = 0; i < matched.length; i++) {
                matched[i] = !items.get(i).claim().deliveryId().equals("dlv_stale");
            }
            return matched;
        });
        self.set(group);
        CompletableFuture<?> first = CompletableFuture.runAsync(() -> group.complete(item("dlv_0")), pool);
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.size() == 1);
        List<CompletableFuture<?>> others = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            String id = i == 8 ? "dlv_stale" : "dlv_" + i;
            others.add(CompletableFuture.runAsync(() -> group.complete(item(id)), pool));
        }
        first.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 7; i++) {
            others.get(i).get(10, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> others.get(7).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StaleLeaseException.class);
        // The first alone, then the eight that queued meanwhile together (the writer's first call waited for all of them).
        assertThat(batches).containsExactly(1, 8);
        pool.shutdown();
    }

    @Test
    void everyConcurrentResultIsWrittenOnceAndAnsweredToItsOwnCaller() throws Exception {
        // Waiters are woken one by one (their own item written, or their turn to write): none may be left waiting.
        java.util.Set<String> written = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CompleteSql group = new CompleteSql(items -> {
            boolean[] matched = new boolean[items.size()];
            for (int i = 0; i < matched.length; i++) {
                String id = items.get(i).claim().deliveryId();
                assertThat(written.add(id)).as("written once: " + id).isTrue();
                matched[i] = !id.endsWith("_7");
            }
            return matched;
        });
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(32);
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String id = "dlv_" + i % 10 + "_" + i / 10 + "_" + i % 10;
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    group.complete(item(id));
                    return true;
                } catch (StaleLeaseException stale) {
                    return false;
                }
            }, pool));
        }
        long stale = 0;
        for (CompletableFuture<Boolean> result : results) {
            stale += result.get(30, TimeUnit.SECONDS) ? 0 : 1;
        }
        pool.shutdown();
        assertThat(written).hasSize(2000);
        assertThat(stale).isEqualTo(200); // exactly the ids ending in _7, each told so itself
    }

    @Test
    void aBatchThatFailsIsRetriedItemByItemSoOneBadResultFailsOnlyItself() {
        List<Integer> batches = new CopyOnWriteArrayList<>();
        CompleteSql group = new CompleteSql(items -> {
            batches.add(items.size());
            if (items.stream().anyMatch(item -> item.claim().deliveryId().equals("dlv_bad"))) {
                throw new JdbcStoreException("constraint violated", null);
            }
            boolean[] matched = new boolean[items.size()];
            java.util.Arrays.fill(matched, true);
            return matched;
        });
        group.complete(item("dlv_ok"));
        assertThatThrownBy(() -> group.complete(item("dlv_bad"))).isInstanceOf(JdbcStoreException.class);
        assertThat(batches).containsExactly(1, 1);
    }

    private static CompleteSql.Item item(String deliveryId) {
        Claim claim = new Claim(deliveryId, "msg_1", "ep_a", 1, "n", NOW.plusSeconds(30), 1, null, "e", "{}");
        Attempt attempt = new Attempt(deliveryId, "ep_a", 1, 1, NOW, Duration.ofMillis(3), 200, null, "", AttemptOutcome.DELIVERED, null, null);
        return new CompleteSql.Item(claim, attempt, new Transition.Delivered());
    }
}
