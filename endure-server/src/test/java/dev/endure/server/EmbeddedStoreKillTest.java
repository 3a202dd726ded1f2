package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, finding 1: the server on its embedded default store is killed with SIGKILL while producers are
 * sending, then started again on the same data directory. Every message it answered 202 for must be there.
 * First the whole process tree dies (the JVM and its PostgreSQL: only what was flushed at commit survives),
 * then the JVM alone (its PostgreSQL lives on, and the restart must take the directory over from it).
 */
class EmbeddedStoreKillTest {

    private static final int PRODUCERS = 8;

    @TempDir
    Path dir;

    @Test
    void everyMessageAcknowledgedBeforeASigkillIsThereAfterTheRestart() throws Exception {
        TestKeys keys = new TestKeys();
        String yaml = ServerProcess.config(keys.admin, "store: { dataDir: '" + dir.resolve("data") + "' }",
                "worker: { enabled: false }");
        Set<String> accepted = ConcurrentHashMap.newKeySet();

        try (ServerProcess first = ServerProcess.start(dir, "first", yaml)) {
            ApiClient api = new ApiClient(first.url, keys.admin).withEventTypes("order.created");
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_kill\",\"url\":\"http://127.0.0.1:9/in\"}").status()).isEqualTo(201);
            sendUntilKilled(api, accepted, 300, () -> first.kill(dir.resolve("data")));
        }
        int afterFirstKill = accepted.size();
        try (ServerProcess second = ServerProcess.start(dir, "second", yaml)) {
            assertAllPresent(new ApiClient(second.url, keys.admin), accepted);
            sendUntilKilled(new ApiClient(second.url, keys.admin), accepted, 150, () -> second.kill(null));
        }
        try (ServerProcess third = ServerProcess.start(dir, "third", yaml)) {
            assertAllPresent(new ApiClient(third.url, keys.admin), accepted);
            System.out.printf("[embedded-kill] %d messages acknowledged before the first SIGKILL, %d in all; 0 lost%n",
                    afterFirstKill, accepted.size());
            assertThat(third.terminate(Duration.ofSeconds(60))).isTrue();
        }
    }

    /** Producers send as fast as they can; once {@code before} were acknowledged, the server is killed mid-stream. */
    private static void sendUntilKilled(ApiClient api, Set<String> accepted, int before, KillAction kill) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acceptedHere = new AtomicInteger();
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            running.add(producers.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        ApiClient.Answer answer = api.post("/api/messages",
                                "{\"eventType\":\"order.created\",\"endpoints\":[\"ep_kill\"],\"payload\":{\"p\":" + producer + ",\"i\":" + i + "}}");
                        if (answer.status() == 202) {
                            accepted.add(answer.json().get("id").asText());
                            acceptedHere.incrementAndGet();
                        }
                    } catch (RuntimeException connectionLost) {
                        return; // the server died under this request: its client got no answer, so nothing was promised
                    }
                }
            }));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acceptedHere.get() >= before);
        kill.run(); // while the producers are still sending
        stop.set(true);
        producers.shutdown();
        assertThat(producers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    private static void assertAllPresent(ApiClient api, Set<String> accepted) {
        List<String> lost = new ArrayList<>();
        for (String id : accepted) {
            if (api.get("/api/messages/" + id).status() != 200) {
                lost.add(id);
            }
        }
        assertThat(lost).as("acknowledged with 202 but gone after the restart (%d of %d)", lost.size(), accepted.size()).isEmpty();
    }

    @FunctionalInterface
    private interface KillAction {
        void run() throws Exception;
    }
}
