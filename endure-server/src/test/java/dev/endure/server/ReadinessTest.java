package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.SeverableTcpProxy;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** /health/ready says "ready" only while the store answers, and says "not ready" in time when it stops. */
class ReadinessTest {

    private static final String TEST_SECRET_KEY = dev.endure.delivery.crypto.SecretCipher.newKeyText();

    @Test
    void readyOnlyWhileTheStoreAnswersAndNotReadyPromptlyWhenItStops() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        Matcher hostPort = Pattern.compile("//([^:/]+):(\\d+)/").matcher(database.url());
        assertThat(hostPort.find()).as("host and port in %s", database.url()).isTrue();
        SeverableTcpProxy proxy = new SeverableTcpProxy(hostPort.group(1), Integer.parseInt(hostPort.group(2)));
        String throughProxy = database.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
        ServerConfig config = ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, throughProxy)
                .with(ConfigKey.SECRET_KEY, TEST_SECRET_KEY)
                .with(ConfigKey.WORKER_ENABLED, false)
                .withApiKeys(new TestKeys().stored());
        HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        try (EndureServer server = EndureServer.start(config)) {
            HttpRequest ready = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health/ready")).timeout(Duration.ofSeconds(5)).build();
            HttpRequest live = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health/live")).timeout(Duration.ofSeconds(5)).build();
            assertThat(probe.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // The database goes away behind a dead route: pooled connections break, and new ones hang
            // instead of being refused, so the pool would wait its full 10 s connection timeout.
            proxy.stall();
            proxy.cutNow();

            // One probe, and it must answer in time: a probe that hangs is as bad as a wrong answer
            // (Kubernetes gives up after 1 s by default). The server bounds its check at 2 s.
            HttpRequest promptReady = HttpRequest.newBuilder(ready.uri()).timeout(Duration.ofSeconds(4)).build();
            HttpResponse<String> answer = probe.send(promptReady, HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.body()).contains("not ready");
            assertThat(probe.send(live, HttpResponse.BodyHandlers.ofString()).statusCode()).as("alive all the same").isEqualTo(200);
        } finally {
            proxy.close();
        }
    }
}
