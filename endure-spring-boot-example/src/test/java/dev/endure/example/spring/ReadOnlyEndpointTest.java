package dev.endure.example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.breaker.BreakerState;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The write operation is shut like any other Actuator write operation: here by access=read-only. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoint.endure.access=read-only", "billing.url=http://127.0.0.1:9"})
class ReadOnlyEndpointTest {

    @LocalServerPort
    int port;

    @Autowired
    ResilienceRegistry registry;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        properties.add("spring.datasource.url", TestDatabases.postgres()::url);
    }

    @Test
    void aReadOnlyEndpointStillListsButCannotChangeABreaker() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI ledger = URI.create("http://127.0.0.1:" + port + "/actuator/endure/ledger");
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(ledger).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"state\":\"CLOSED\"");

        HttpResponse<String> write = http.send(HttpRequest.newBuilder(ledger).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"FORCE_OPEN\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).isGreaterThanOrEqualTo(400).isLessThan(500);
        assertThat(registry.findCircuitBreaker("ledger").orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
    }
}
