package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, finding 6: a graceful shutdown stops taking requests first (readiness and new requests answer 503)
 * and answers the requests already in flight before it stops HTTP, so no client whose message was stored is
 * left without an answer.
 */
class ApiDrainOnShutdownTest {

    private static final String TEST_SECRET_KEY = dev.endure.delivery.crypto.SecretCipher.newKeyText();

    @Test
    void aRequestInFlightIsAnsweredAndNewOnesAreRefusedWhileShuttingDown() throws Exception {
        TestKeys keys = new TestKeys();
        ServerConfig config = ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, TestDatabases.postgres().url())
                .with(ConfigKey.SECRET_KEY, TEST_SECRET_KEY)
                .with(ConfigKey.WORKER_ENABLED, false)
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .withApiKeys(keys.stored());
        EndureServer server = EndureServer.start(config);
        CompletableFuture<Void> closed = null;
        try {
            ApiClient api = new ApiClient(server.baseUrl(), keys.admin).withEventTypes("order.created");
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_drain\",\"url\":\"http://127.0.0.1:9/in\"}").status()).isEqualTo(201);
            // The endpoint request's bookkeeping may trail its answer by a moment: start from an empty house.
            await("no request in flight").atMost(Duration.ofSeconds(10)).until(() -> server.apiRequestsInFlight() == 0);
            URI base = URI.create(server.baseUrl());
            byte[] body = "{\"eventType\":\"order.created\",\"payload\":{\"order\":1}}".getBytes(StandardCharsets.UTF_8);
            try (Socket held = new Socket(base.getHost(), base.getPort())) {
                held.setSoTimeout(30_000);
                OutputStream out = held.getOutputStream();
                // Headers and half the body: the request is in the server's hands, still arriving.
                out.write(("POST /api/messages HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + keys.admin
                        + "\r\nContent-Type: application/json\r\nIdempotency-Key: drain-1\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(body, 0, body.length / 2);
                out.flush();
                await("request in flight").atMost(Duration.ofSeconds(10)).until(() -> server.apiRequestsInFlight() == 1);

                closed = CompletableFuture.runAsync(server::close); // SIGTERM's work
                await("not ready").atMost(Duration.ofSeconds(10)).until(() -> !server.ready());
                ApiClient.Answer refused = api.post("/api/messages", "{\"eventType\":\"order.created\",\"payload\":{\"order\":2}}");
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.json().get("error").asText()).isEqualTo("shutting_down");
                assertThat(closed).as("shutdown waits for the request in flight").isNotDone();

                out.write(body, body.length / 2, body.length - body.length / 2);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("HTTP/1.1 202 Accepted");
            }
            closed.get();
        } finally {
            if (closed == null) {
                server.close();
            }
        }
        try (EndureServer again = EndureServer.start(config)) {
            assertThat(again.store().countsByState().values().stream().mapToLong(Long::longValue).sum())
                    .as("the answered message is stored, the refused one is not").isEqualTo(1);
        }
    }
}
