package dev.endure.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.server.auth.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void commandLineBeatsEnvironmentBeatsFileBeatsDefaults() throws Exception {
        Path file = dir.resolve("endure.yaml");
        Files.writeString(file, """
                server:
                  port: 9000
                  shutdownGrace: 45s
                store:
                  url: jdbc:postgresql://db:5432/endure
                  poolSize: 4
                auth:
                  keys:
                    - name: ops
                      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
                      scopes: [read, manage]
                """);
        ServerConfig config = ServerConfigLoader.load(file, Map.of("ENDURE_SERVER_PORT", "9100", "ENDURE_STORE_POOL_SIZE", "6"),
                Map.of(ConfigKey.SERVER_PORT, "9200"));
        assertThat(config.port()).isEqualTo(9200);
        assertThat(config.integer(ConfigKey.STORE_POOL_SIZE)).isEqualTo(6);
        assertThat(config.duration(ConfigKey.SERVER_SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.embeddedStore()).isFalse();
        assertThat(config.duration(ConfigKey.POLICY_INITIAL_INTERVAL)).isEqualTo(Duration.ofMinutes(2)); // seed 003 default
        assertThat(config.apiKeys()).singleElement().satisfies(key -> {
            assertThat(key.name()).isEqualTo("ops");
            assertThat(key.scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.MANAGE);
        });
    }

    @Test
    void everyProblemNamesItsKeyAndSourceAndSecretsStayHidden() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                server:
                  prot: 8080
                worker:
                  lease: soon
                auth:
                  keys:
                    - { name: ops, sha256: abc, scopes: [read] }
                """);
        assertThatThrownBy(() -> ServerConfigLoader.load(file, Map.of("ENDURE_STORE_POOL_SIZE", "many"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(4))
                .hasMessageContaining("unknown key server.prot; did you mean server.port?")
                .hasMessageContaining("worker.lease must be a duration")
                .hasMessageContaining("auth.keys[0]: API key ops: sha256 must be 64 lowercase hex characters")
                .hasMessageContaining("store.poolSize must be a whole number (was 'many') (from environment variable ENDURE_STORE_POOL_SIZE)");
        assertThat(ServerConfig.defaults().with(ConfigKey.STORE_PASSWORD, "hunter2").toString()).doesNotContain("hunter2");
    }

    @Test
    void environmentVariableNamesFollowThePaths() {
        assertThat(ConfigKey.SERVER_SHUTDOWN_GRACE.environmentVariable()).isEqualTo("ENDURE_SERVER_SHUTDOWN_GRACE");
        assertThat(ConfigKey.DELIVERY_MAX_PAYLOAD_BYTES.environmentVariable()).isEqualTo("ENDURE_DELIVERY_MAX_PAYLOAD_BYTES");
    }

    @Test
    void theWorkerLeaseIsRenewedByAHeartbeatSoItNoLongerDependsOnTheTimeout() {
        // A 20 s lease with a 30 s timeout: the heartbeat renews it every 5 s while the request is on the wire.
        ServerConfig config = ServerConfig.defaults().with(ConfigKey.POLICY_TIMEOUT, "30s");
        assertThat(config.duration(ConfigKey.WORKER_LEASE)).isEqualTo(java.time.Duration.ofSeconds(20));
        assertThat(DeliveryPolicies.from(config).maxAttempts()).isEqualTo(20);
        assertThatThrownBy(() -> DeliveryPolicies.workerLease(ServerConfig.defaults().with(ConfigKey.WORKER_LEASE, "50ms")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("worker.lease: worker lease must be at least 100 ms");
    }
}
