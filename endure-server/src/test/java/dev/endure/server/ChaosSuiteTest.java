package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.server.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's chaos suite: three {@code endure serve} processes on one PostgreSQL this test owns, producers
 * sending through the API with an Idempotency-Key each (resent to another node until answered 2xx), and, while
 * they send: a node killed with SIGKILL, PostgreSQL restarted {@code -m fast} and {@code -m immediate}, the
 * receiver gone and back, and PostgreSQL stopped for a while. (The embedded store killed while accepting is
 * {@link EmbeddedStoreKillTest}.) Then everything must drain: lost = 0, duplicates within what was in flight
 * at the faults, no 500 from the API during the outage.
 *
 * <p>The quick variant runs in {@code mvn verify}; {@code -Dendure.chaos=full} runs the long one whose figures
 * RELIABILITY.md quotes (20 s outage, the default 20 s lease, more messages).
 */
class ChaosSuiteTest {

    private static final boolean FULL = "full".equals(System.getProperty("endure.chaos"));
    private static final int STEP = FULL ? 600 : 80;
    private static final Duration OUTAGE = FULL ? Duration.ofSeconds(20) : Duration.ofSeconds(4);
    private static final String LEASE = FULL ? "20s" : "4s";

    @TempDir
    Path dir;

    private final AtomicInteger acceptedCount = new AtomicInteger();
    private final Map<String, String> acceptedByKey = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> outageAnswers = new ConcurrentHashMap<>();
    private final AtomicLong outageSlowestMillis = new AtomicLong();
    private final AtomicBoolean inOutage = new AtomicBoolean();
    private final AtomicBoolean stopSending = new AtomicBoolean();
    private final List<String> faults = new ArrayList<>();
    private int inFlightAtFaults;

    @Test
    void nothingAcceptedIsLostThroughKillsRestartsOutagesAndAbsentReceivers() throws Exception {
        TestKeys keys = new TestKeys();
        try (ChaosPostgres postgres = new ChaosPostgres(dir.resolve("pg")); ChaosReceiver receiver = new ChaosReceiver()) {
            String yaml = ServerProcess.config(keys.admin, "store: { url: '" + postgres.url() + "', user: postgres, poolSize: 8 }\nsecret: { key: '"
                    + dev.endure.delivery.crypto.SecretCipher.newKeyText() + "' }",
                    String.join("\n", "worker: { concurrency: 8, pollInterval: 100ms, lease: " + LEASE + " }",
                            "policy: { initial: 200ms, cap: 2s, floor: 100ms, maxDuration: 30m, maxAttempts: 200,"
                                    + " timeout: 2s, minFailureSpan: 24h }"));
            List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int node = i;
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return ServerProcess.start(dir, "node-" + node, yaml);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            List<ServerProcess> nodes = new ArrayList<>();
            for (CompletableFuture<ServerProcess> node : starting) {
                nodes.add(node.get(180, TimeUnit.SECONDS));
            }
            try {
                ApiClient admin = new ApiClient(nodes.get(0).url, keys.admin).withEventTypes("chaos");
                assertThat(admin.post("/api/endpoints", "{\"id\":\"ep_chaos\",\"url\":\"" + receiver.url() + "\"}").status()).isEqualTo(201);
                List<String> live = new java.util.concurrent.CopyOnWriteArrayList<>(nodes.stream().map(n -> n.url).toList());
                ExecutorService producers = startProducers(live, keys.admin);

                awaitAccepted(STEP);
                // Hold the receiver's answers so that the victim certainly has deliveries in flight when it dies.
                ServerProcess victim = nodes.get(2);
                String owner = "-" + victim.process.pid() + "-";
                receiver.hold();
                await("node-2 has deliveries in flight").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> inFlight(postgres, owner) > 0);
                live.remove(victim.url);
                victim.kill(null);
                long killedAt = System.nanoTime();
                int victimInFlight = inFlight(postgres, owner);
                receiver.release();
                fault("SIGKILL node-2 (" + victimInFlight + " in flight)", victimInFlight);
                await("the dead node's claims taken over").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> inFlight(postgres, owner) == 0);
                Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);

                awaitAccepted(STEP);
                fault("PostgreSQL restart -m fast", inFlight(postgres, "-"));
                postgres.restart("fast");
                awaitAccepted(STEP);
                fault("PostgreSQL restart -m immediate", inFlight(postgres, "-"));
                postgres.restart("immediate");

                awaitAccepted(STEP);
                receiver.goAway();
                fault("receiver gone", 0);
                awaitAccepted(STEP / 2);
                receiver.comeBack();

                awaitAccepted(STEP);
                fault("PostgreSQL stopped for " + OUTAGE.toSeconds() + " s", inFlight(postgres, "-"));
                inOutage.set(true);
                postgres.stop("fast");
                await().pollDelay(OUTAGE).atMost(OUTAGE.plusSeconds(5)).until(() -> true); // the outage itself
                postgres.start();
                inOutage.set(false);

                awaitAccepted(STEP);
                stopSending.set(true);
                producers.shutdown();
                assertThat(producers.awaitTermination(120, TimeUnit.SECONDS)).isTrue();

                await("everything accepted has finished").atMost(Duration.ofSeconds(FULL ? 600 : 120))
                        .pollInterval(Duration.ofMillis(500)).until(() -> unfinished(postgres) == 0);
                report(postgres, receiver, takeover);
            } finally {
                for (ServerProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    private ExecutorService startProducers(List<String> live, String key) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ExecutorService producers = Executors.newFixedThreadPool(4);
        AtomicInteger keys = new AtomicInteger();
        for (int p = 0; p < 4; p++) {
            producers.execute(() -> {
                int turn = 0;
                while (!stopSending.get()) {
                    String idempotencyKey = "chaos-" + keys.incrementAndGet();
                    // Resend with the same key, to another node, until the message is acknowledged.
                    for (boolean done = false; !done && !stopSending.get(); turn++) {
                        done = sendOnce(http, live.get(Math.floorMod(turn, live.size())), key, idempotencyKey);
                    }
                }
            });
        }
        return producers;
    }

    private boolean sendOnce(HttpClient http, String node, String key, String idempotencyKey) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node + "/api/messages")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"eventType\":\"chaos\",\"payload\":{\"key\":\"" + idempotencyKey + "\"}}"))
                .build();
        long start = System.nanoTime();
        boolean outage = inOutage.get();
        int status;
        String body = null;
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            status = response.statusCode();
            body = response.body();
        } catch (Exception noAnswer) {
            status = -1; // connection refused or reset: no answer, nothing promised
        }
        if (outage) {
            outageAnswers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            outageSlowestMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
        }
        if (status == 202 || status == 200) {
            String id;
            try {
                id = Json.read(body).get("id").asText();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError("a 2xx without a readable id: " + body, e);
            }
            if (acceptedByKey.putIfAbsent(idempotencyKey, id) == null) {
                acceptedCount.incrementAndGet();
            } else {
                assertThat(acceptedByKey.get(idempotencyKey)).as("one id per key").isEqualTo(id);
            }
            return true;
        }
        return false;
    }

    private void awaitAccepted(int more) {
        int target = acceptedCount.get() + more;
        await().atMost(Duration.ofSeconds(FULL ? 300 : 120)).pollInterval(Duration.ofMillis(50)).until(() -> acceptedCount.get() >= target);
    }

    private void fault(String what, int inFlight) {
        faults.add(what + " at " + acceptedCount.get() + " accepted");
        inFlightAtFaults += inFlight;
    }

    private static int inFlight(ChaosPostgres postgres, String ownerPart) throws Exception {
        return count(postgres, "SELECT COUNT(*) FROM endure_delivery WHERE state = 'IN_FLIGHT' AND lease_owner LIKE ?", "%" + ownerPart + "%");
    }

    private static int unfinished(ChaosPostgres postgres) throws Exception {
        return count(postgres, "SELECT COUNT(*) FROM endure_delivery WHERE state IN ('PENDING', 'IN_FLIGHT')");
    }

    private static int count(ChaosPostgres postgres, String sql, String... parameters) throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.url(), "postgres", null);
                PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setString(i + 1, parameters[i]);
            }
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        }
    }

    private void report(ChaosPostgres postgres, ChaosReceiver receiver, Duration takeover) throws Exception {
        Map<String, String> stateByMessage = new ConcurrentHashMap<>();
        try (Connection connection = DriverManager.getConnection(postgres.url(), "postgres", null);
                PreparedStatement select = connection.prepareStatement("SELECT message_id, state FROM endure_delivery");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                stateByMessage.put(rows.getString(1), rows.getString(2));
            }
        }
        Map<String, Integer> states = new TreeMap<>();
        List<String> lost = new ArrayList<>();
        for (String id : acceptedByKey.values()) {
            String state = stateByMessage.get(id);
            states.merge(state == null ? "MISSING" : state, 1, Integer::sum);
            if (state == null || ("DELIVERED".equals(state) && !receiver.received().containsKey(id))) {
                lost.add(id);
            }
        }
        int duplicates = receiver.received().values().stream().mapToInt(c -> c.get() - 1).sum();
        Map<Integer, Integer> answers = new TreeMap<>();
        outageAnswers.forEach((status, n) -> answers.put(status, n.get()));
        System.out.printf("[chaos] %s run: accepted %d, delivered %d, failed %d, held %d, lost %d, duplicates %d"
                + " (in flight at the faults %d), takeover %.1f s after SIGKILL (lease %s),"
                + " API answers while PostgreSQL was down: %s (-1 = no answer), slowest %d ms%n",
                FULL ? "full" : "quick", acceptedByKey.size(), states.getOrDefault("DELIVERED", 0), states.getOrDefault("FAILED", 0),
                states.getOrDefault("HELD", 0), lost.size(), duplicates, inFlightAtFaults, takeover.toMillis() / 1000.0, LEASE, answers,
                outageSlowestMillis.get());
        faults.forEach(f -> System.out.println("[chaos] fault: " + f));
        assertThat(lost).as("accepted but lost").isEmpty();
        assertThat(states).containsOnlyKeys("DELIVERED");
        assertThat(duplicates).isLessThanOrEqualTo(inFlightAtFaults);
        assertThat(answers.keySet()).as("during the outage: 503 (or 2xx once it ended), never a 500").allMatch(s -> s != 500);
    }
}
