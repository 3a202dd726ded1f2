package dev.endure.example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.endure.testing.TestDatabases;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The example app on a random port, against a real billing server on loopback and a real PostgreSQL. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ExampleApplicationTest {

    private static final ConcurrentLinkedQueue<Integer> SCRIPT = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger BILLING_REQUESTS = new AtomicInteger();
    private static final HttpServer BILLING = billingServer();

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void realParts(DynamicPropertyRegistry registry) {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        registry.add("spring.datasource.url", database::url);
        registry.add("billing.url", () -> "http://127.0.0.1:" + BILLING.getAddress().getPort());
        // Quick retries for the test; the shipped application.yml keeps seed 004's 0.5 s.
        registry.add("endure.policies.billing.retry.backoff.initial", () -> "5ms");
        registry.add("endure.policies.ledger.retry.backoff.delay", () -> "5ms");
    }

    private static HttpServer billingServer() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                BILLING_REQUESTS.incrementAndGet();
                Integer status = SCRIPT.poll();
                byte[] body = ("{\"path\":\"" + exchange.getRequestURI().getPath() + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status == null ? 200 : status, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopBilling() {
        BILLING.stop(0);
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBillingClientBeanRetriesThroughRestClientAndActuatorShowsIt() throws Exception {
        int before = BILLING_REQUESTS.get();
        SCRIPT.add(503);
        SCRIPT.add(502);
        HttpResponse<String> invoice = send("GET", "/invoices/42", null);
        assertThat(invoice.statusCode()).isEqualTo(200);
        assertThat(invoice.body()).contains("/invoices/42");
        assertThat(BILLING_REQUESTS.get() - before).isEqualTo(3);

        HttpResponse<String> endure = send("GET", "/actuator/endure", null);
        assertThat(endure.statusCode()).isEqualTo(200);
        assertThat(endure.body()).contains("\"breakers\"").contains("\"billing\"").contains("\"ledger\"")
                .contains("billing@127.0.0.1:" + BILLING.getAddress().getPort()).contains("\"budgets\"").contains("\"retriers\"")
                .contains("\"state\":\"CLOSED\"").contains("\"since\":\"20");
    }

    @Test
    void annotationsRetryAndFallBackOnAPlainRestClient() throws Exception {
        int before = BILLING_REQUESTS.get();
        SCRIPT.add(500);
        assertThat(send("GET", "/balances/a1", null).body()).contains("/balances/a1");
        assertThat(BILLING_REQUESTS.get() - before).isEqualTo(2);

        SCRIPT.add(500);
        SCRIPT.add(500);
        SCRIPT.add(500);
        assertThat(send("GET", "/balances/a2", null).body()).isEqualTo("unknown");
    }

    @Test
    void anOperatorForcesABreakerOpenThroughTheEndpointAndHealthReportsIt() throws Exception {
        HttpResponse<String> forced = send("POST", "/actuator/endure/ledger", "{\"command\":\"FORCE_OPEN\"}");
        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(forced.body()).contains("\"state\":\"OPEN\"").contains("\"forced\":true").contains("\"since\":\"");
        try {
            int before = BILLING_REQUESTS.get();
            assertThat(send("GET", "/balances/a3", null).body()).as("the fallback answers; nothing is sent").isEqualTo("unknown");
            assertThat(BILLING_REQUESTS.get()).isEqualTo(before);
            HttpResponse<String> health = send("GET", "/actuator/health", null);
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("\"endureBreakers\"").contains("\"ledger\":\"OPEN\"");

            HttpResponse<String> nonsense = send("POST", "/actuator/endure/ledger", "{\"command\":\"EXPLODE\"}");
            assertThat(nonsense.statusCode()).isEqualTo(400);
        } finally {
            assertThat(send("POST", "/actuator/endure/ledger", "{\"command\":\"RESET\"}").body()).contains("\"state\":\"CLOSED\"");
        }
    }

    @Test
    void bookingsRunInARetriedSerializableTransaction() throws Exception {
        jdbc.update("INSERT INTO authorizations (id, max_units) VALUES ('auth-1', 10)");
        assertThat(send("POST", "/authorizations/auth-1/bookings?units=6", null).body()).contains("\"booked\":6");
        HttpResponse<String> refused = send("POST", "/authorizations/auth-1/bookings?units=6", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("has 4 units left");
    }
}
