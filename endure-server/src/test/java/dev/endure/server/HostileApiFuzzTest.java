package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.hostile.HostileRequests;
import dev.endure.server.hostile.RawHttp;
import dev.endure.server.hostile.RecordingReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The hostile-input suite (issue 11): a property-based fuzz of the API of a real server on loopback
 * (embedded store, running worker, a recording receiver). Malformed and hostile requests of every class
 * in {@link HostileRequests} must never get a 5xx, and every error answers JSON; afterwards the server is
 * still ready, the metrics' labels come from a bounded set, and every message accepted before and during
 * the fuzz reached the receiver byte for byte. Figures go to {@code target/hostile-fuzz.txt} and
 * RELIABILITY.md.
 */
class HostileApiFuzzTest {

    static final int HOSTILE_TRIES = 600;
    static final int PAYLOAD_TRIES = 60;

    static final TestKeys KEYS = new TestKeys();
    static Path dataDir;
    static EndureServer server;
    static ApiClient api;
    static RawHttp raw;
    static RecordingReceiver receiver;
    static long started;

    /** Message id → the exact payload text it was accepted with. */
    static final Map<String, String> accepted = new ConcurrentHashMap<>();
    static final Map<String, Map<Integer, AtomicInteger>> outcomes = new ConcurrentHashMap<>();
    static final AtomicInteger hostileTried = new AtomicInteger();
    static final AtomicInteger payloadsTried = new AtomicInteger();
    static int acceptedBefore;
    static long fuzzEnded;
    static long hostileStarted;
    static long hostileEnded;
    static long payloadsStarted;
    static long payloadsEnded;
    static final java.util.concurrent.atomic.AtomicLong sendNanos = new java.util.concurrent.atomic.AtomicLong();
    static final java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();

    @BeforeContainer
    static void start() throws IOException {
        started = System.nanoTime();
        dataDir = Files.createTempDirectory("endure-fuzz");
        receiver = new RecordingReceiver();
        server = EndureServer.start(ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES, 65536)
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .with(ConfigKey.POLICY_TIMEOUT, "2s")
                .with(ConfigKey.WORKER_LEASE, "10s")
                .withApiKeys(KEYS.stored()));
        api = new ApiClient(server.baseUrl(), KEYS.admin).withEventTypes("fuzz.check", "a");
        raw = new RawHttp(server.port());
        assertThat(api.post("/api/endpoints", "{\"id\":\"" + HostileRequests.PROTECTED_ENDPOINT + "\",\"url\":\"" + receiver.url("/fuzz")
                + "\",\"policy\":{\"initial\":\"100ms\",\"cap\":\"1s\"}}").status()).isEqualTo(201);
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_sacrificial\",\"url\":\"http://127.0.0.1:1/refused\"}").status()).isEqualTo(201);
        // Messages accepted before the fuzz, with the spellings a re-serialiser would change.
        for (String payload : List.of("{\"big\":1e400}", "{\"precise\":12345678901234567.89}", "[1E-400, -0, 0.10]", "{ \"spaced\" :\n\t true }",
                "\"caf\u00e9 \\u00e9 \ud83d\ude00\"", "{\"escaped\":\"\\/\\u2028\"}", "9223372036854775808", "null", "{\"a\":{\"b\":[{}]}}")) {
            send(payload);
        }
        acceptedBefore = accepted.size();
    }

    private static void send(String payload) {
        ApiClient.Answer answer = api.post("/api/messages", "{\"eventType\":\"fuzz.check\",\"payload\":" + payload + ",\"endpoints\":[\""
                + HostileRequests.PROTECTED_ENDPOINT + "\"]}");
        assertThat(answer.status()).as(payload + " -> " + answer.text()).isEqualTo(202);
        accepted.put(answer.json().path("id").asText(), payload);
    }

    @Property(tries = HOSTILE_TRIES, edgeCases = EdgeCasesMode.NONE)
    void hostileRequestsNeverGetAServerErrorAndEveryErrorIsJson(@ForAll("hostile") HostileRequests.Request request) {
        if (hostileTried.incrementAndGet() == 1) {
            hostileStarted = System.nanoTime();
        }
        hostileEnded = System.nanoTime();
        long sendStart = System.nanoTime();
        RawHttp.Response response = raw.send(request.method(), request.target(), request.headers(), request.body());
        long took = System.nanoTime() - sendStart;
        sendNanos.addAndGet(took);
        slowest.accumulateAndGet(took, Math::max);
        outcomes.computeIfAbsent(request.kind(), k -> new ConcurrentHashMap<>()).computeIfAbsent(response.status(), s -> new AtomicInteger())
                .incrementAndGet();
        assertThat(response.status()).as("%s -> %s", request, response.body()).isLessThan(500);
        if (response.status() >= 400 && !request.method().equals("HEAD")) {
            assertThat(response.isJson()).as("%s -> %s %s", request, response.headers(), response.body()).isTrue();
            assertThat(response.body()).doesNotContain("com.fasterxml").doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Property(tries = PAYLOAD_TRIES, edgeCases = EdgeCasesMode.NONE)
    void acceptedPayloadsAreKeptAsSent(@ForAll("payloads") String payload) {
        if (payloadsTried.incrementAndGet() == 1) {
            payloadsStarted = System.nanoTime();
        }
        payloadsEnded = System.nanoTime();
        send(payload);
    }

    @Provide
    Arbitrary<HostileRequests.Request> hostile() {
        return new HostileRequests(KEYS.admin).any();
    }

    @Provide
    Arbitrary<String> payloads() {
        return HostileRequests.validPayloads();
    }

    @AfterContainer
    static void checkTheServerAfterwards() throws IOException {
        fuzzEnded = System.nanoTime();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> accepted.keySet().stream().allMatch(id -> !receiver.bodies(id).isEmpty()));
            accepted.forEach((id, payload) -> assertThat(new String(receiver.bodies(id).get(0), StandardCharsets.UTF_8))
                    .as("message %s", id).isEqualTo(payload));
            assertThat(api.withKey(null).get("/health/ready").status()).isEqualTo(200);
            String scrape = api.withKey(null).get("/metrics").text();
            Map<String, Set<String>> labels = requestLabels(scrape);
            assertThat(labels.get("method")).isSubsetOf("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER");
            assertThat(labels.get("route")).allMatch(route -> route.equals("unmatched") || route.matches("/api/[a-z/{}-]*"), "a route template");
            report(scrape, labels);
        } finally {
            server.close();
            receiver.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static Map<String, Set<String>> requestLabels(String scrape) {
        Map<String, Set<String>> labels = new TreeMap<>();
        Matcher series = Pattern.compile("^endure_http_requests_seconds_count\\{([^}]*)\\}", Pattern.MULTILINE).matcher(scrape);
        while (series.find()) {
            Matcher label = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(series.group(1));
            while (label.find()) {
                labels.computeIfAbsent(label.group(1), k -> new java.util.TreeSet<>()).add(label.group(2));
            }
        }
        return labels;
    }

    private static void report(String scrape, Map<String, Set<String>> labels) throws IOException {
        long seriesCount = scrape.lines().filter(line -> line.startsWith("endure_http_requests_seconds_count")).count();
        Map<Integer, Integer> byStatus = new TreeMap<>();
        StringBuilder kinds = new StringBuilder();
        new TreeMap<>(outcomes).forEach((kind, statuses) -> {
            Map<Integer, Integer> counts = new TreeMap<>();
            statuses.forEach((status, n) -> {
                counts.put(status, n.get());
                byStatus.merge(status, n.get(), Integer::sum);
            });
            kinds.append(String.format("| %s | %d | %s |%n", kind, counts.values().stream().mapToInt(Integer::intValue).sum(), counts));
        });
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("hostile requests tried", hostileTried.get());
        figures.put("answers by status", byStatus);
        figures.put("5xx answers", byStatus.entrySet().stream().filter(e -> e.getKey() >= 500).mapToInt(Map.Entry::getValue).sum());
        figures.put("messages accepted before the fuzz", acceptedBefore);
        figures.put("generated payloads accepted during the fuzz", payloadsTried.get());
        figures.put("accepted messages delivered byte for byte", accepted.size() + " of " + accepted.size());
        figures.put("/health/ready afterwards", 200);
        figures.put("endure_http_requests series afterwards", seriesCount + " (methods " + labels.get("method") + ", "
                + labels.getOrDefault("route", Set.of()).size() + " routes)");
        figures.put("/metrics size afterwards (bytes)", scrape.length());
        figures.put("phases (ms)", "hostile " + (hostileEnded - hostileStarted) / 1_000_000 + ", payloads " + (payloadsEnded - payloadsStarted) / 1_000_000);
        figures.put("time answering the hostile requests (s)", String.format(java.util.Locale.ROOT, "%.1f", sendNanos.get() / 1e9) + ", slowest " + slowest.get() / 1_000_000 + " ms");
        figures.put("wall time (s)", (System.nanoTime() - started) / 1_000_000_000 + " (start and fuzz " + (fuzzEnded - started) / 1_000_000_000
                + ", waiting for deliveries and checks " + (System.nanoTime() - fuzzEnded) / 1_000_000_000 + ")");
        StringBuilder text = new StringBuilder();
        figures.forEach((name, value) -> text.append("- ").append(name).append(": ").append(value).append('\n'));
        text.append("\n| class | tried | answers by status |\n|---|---|---|\n").append(kinds);
        Files.writeString(Path.of("target", "hostile-fuzz.txt"), text);
        System.out.println("hostile API fuzz:\n" + text);
    }
}
