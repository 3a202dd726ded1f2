package dev.endure.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.server.EndureServer;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import dev.endure.server.config.ServerConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's client commands against a real server, and `keys new` producing a key the server accepts. */
class CliTest {

    @TempDir
    Path dir;

    private static CliErrorsTest.Run run(String... args) {
        return CliErrorsTest.run(args);
    }

    @Test
    void keysNewPrintsAKeyWhoseConfigEntryTheServerAcceptsAndSendAndStatusUseIt() throws Exception {
        CliErrorsTest.Run keys = run("keys", "new", "--name", "ci", "--scopes", "read,send,manage");
        assertThat(keys.code()).isZero();
        Matcher key = Pattern.compile("(ek_[A-Za-z0-9_-]{43})").matcher(keys.out());
        assertThat(key.find()).isTrue();
        String config = keys.out().substring(keys.out().indexOf("auth:"));
        assertThat(config).contains(ApiKeys.sha256(key.group(1))).doesNotContain(key.group(1));
        Files.writeString(dir.resolve("endure.yaml"), config);
        ServerConfig settings = ServerConfigLoader.load(dir.resolve("endure.yaml"), Map.of(), Map.of())
                .with(ConfigKey.SERVER_PORT, 0).with(ConfigKey.STORE_DATA_DIR, dir.resolve("data").toString())
                .with(ConfigKey.WORKER_ENABLED, false).with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8");
        try (EndureServer server = EndureServer.start(settings)) {
            server.store().createEndpoint(dev.endure.delivery.Endpoint.of("ep_cli", java.net.URI.create("http://127.0.0.1:9/x"),
                    dev.endure.delivery.signing.WebhookSecret.generate()), java.time.Instant.now());
            server.eventTypes().create("order.created", "", null);
            CliErrorsTest.Run sent = run("send", "--url", server.baseUrl(), "--api-key", key.group(1), "--event", "order.created",
                    "--payload", "{\"order\":7}", "--idempotency-key", "order-7");
            assertThat(sent.code()).isZero();
            assertThat(sent.out()).contains("\"endpointId\":\"ep_cli\"").contains("\"duplicate\":false");
            CliErrorsTest.Run status = run("status", "--url", server.baseUrl(), "--api-key", key.group(1));
            assertThat(status.code()).isZero();
            assertThat(status.out()).containsPattern("pending\\s+1").contains("ep_cli");
            CliErrorsTest.Run refused = run("status", "--url", server.baseUrl(), "--api-key", "ek_wrong");
            assertThat(refused.code()).isEqualTo(ExitCodes.REFUSED);
            assertThat(refused.err()).contains("refused the API key (401)");
        }
    }
}
