package dev.endure.http.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.endure.VirtualTime;
import dev.endure.http.HttpRetriesExhaustedException;
import dev.endure.http.HttpRetryLogger;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The example billing client against a real loopback billing stub; its log lines are what the README shows. */
class BillingClientExampleTest {

    final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    final List<String> keys = new CopyOnWriteArrayList<>();
    final List<String> log = new ArrayList<>();
    final VirtualTime time = new VirtualTime();
    HttpServer billing;
    BillingClient client;

    @BeforeEach
    void startBilling() throws Exception {
        billing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        billing.createContext("/provider", exchange -> {
            exchange.getRequestBody().readAllBytes();
            keys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            Integer status = statuses.poll();
            byte[] body = (status == null || status == 201 ? "{\"id\":12345}" : "{\"error\":\"try later\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status == null ? 201 : status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        billing.start();
        URI base = URI.create("http://127.0.0.1:" + billing.getAddress().getPort());
        // a seeded jitter source keeps the logged delays stable from run to run
        client = new BillingClient(base, builder -> builder.time(time).random(new Random(4))
                .listener(HttpRetryLogger.to("billing_service", log::add)));
    }

    @AfterEach
    void stopBilling() {
        billing.stop(0);
    }

    @Test
    void recoversFromTwoServerErrorsAndLogsEachRetry() throws Exception {
        statuses.addAll(List.of(500, 500, 201));

        assertThat(client.createProvider("Test Company")).isEqualTo(12345);

        log.forEach(System.out::println);
        String policy = "billing@127.0.0.1:" + billing.getAddress().getPort();
        String url = "http://127.0.0.1:" + billing.getAddress().getPort() + "/provider";
        assertThat(log).hasSize(3);
        assertThat(log.get(0)).matches("billing_service_retry policy=" + policy + " attempt=1 status=500 delay=0\\.\\d+ reason=\"HTTP 500\" url=" + url);
        assertThat(log.get(1)).matches("billing_service_retry policy=" + policy + " attempt=2 status=500 delay=(0\\.9|1\\.0|1\\.1)\\d* reason=\"HTTP 500\" url=" + url);
        assertThat(log.get(2)).matches("billing_service_recovered policy=" + policy + " attempts=3 elapsed=1\\.\\d+");
        // one logical operation, one key, three requests
        assertThat(keys).hasSize(3).containsOnly(keys.get(0));
    }

    @Test
    void givesUpAfterFourRequestsAndSaysSo() {
        statuses.addAll(List.of(503, 503, 503, 503));

        assertThatThrownBy(() -> client.createProvider("Max Retries Test"))
                .isInstanceOf(HttpRetriesExhaustedException.class).hasMessageContaining("failed after 4 attempts");

        log.forEach(System.out::println);
        assertThat(log).hasSize(4);
        assertThat(log.get(3)).startsWith("billing_service_gave_up policy=billing@").contains(" attempts=4 ").contains("why=max_attempts status=503");
    }

    @Test
    void doesNotRetryABadRequest() {
        statuses.add(400);

        assertThatThrownBy(() -> client.createProvider("Bad Request"))
                .isInstanceOfSatisfying(BillingClient.BillingServiceException.class, refused -> assertThat(refused.status()).isEqualTo(400));
        assertThat(keys).hasSize(1);
        assertThat(log).singleElement().asString().startsWith("billing_service_failed policy=billing@").contains("attempts=1 status=400 reason=\"HTTP 400\"");
    }
}
