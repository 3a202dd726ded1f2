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
        assertThat(config.duration(ConfigKey.POLICY_INITIAL)).isEqualTo(Duration.ofMinutes(2)); // seed 003 default
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
                .hasMessageContaining("server.prot: unknown key; did you mean 'server.port'?")
                .hasMessageContaining("worker.lease: must be a duration such as 500ms, 30s or 1h30m")
                .hasMessageContaining("auth.keys[0]: API key ops: sha256 must be 64 lowercase hex characters")
                .hasMessageContaining("store.poolSize: must be a whole number from 1 to 1000 (was many) [environment variable ENDURE_STORE_POOL_SIZE]");
        assertThat(ServerConfig.defaults().with(ConfigKey.STORE_PASSWORD, "hunter2").toString()).doesNotContain("hunter2");
    }

    // Issue 12: the server read durations with its own grammar and refused the 1h30m the README promises.
    @Test
    void durationsFollowEndureConfigsGrammarSoOneHourThirtyIsAccepted() throws Exception {
        Path file = dir.resolve("durations.yaml");
        Files.writeString(file, """
                server: { shutdownGrace: 1h30m }
                policy: { maxDuration: 2h30m, timeout: 1.5s }
                """);
        ServerConfig config = ServerConfigLoader.load(file, Map.of("ENDURE_WORKER_LEASE", "2m30s"), Map.of());
        assertThat(config.duration(ConfigKey.SERVER_SHUTDOWN_GRACE)).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.duration(ConfigKey.POLICY_MAX_DURATION)).isEqualTo(Duration.ofMinutes(150));
        assertThat(config.duration(ConfigKey.POLICY_TIMEOUT)).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.duration(ConfigKey.WORKER_LEASE)).isEqualTo(Duration.ofSeconds(150));
    }

    // Issue 12: policy errors were reported as "policy.* / worker.lease: ..." without the key at fault.
    @Test
    void policyErrorsNameTheirKeyPathWhicheverSourceTheValueCameFrom() throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "policy:\n  cap: 1m\n");
        assertThatThrownBy(() -> ServerConfigLoader.load(file, Map.of(), Map.of()))
                .hasMessage("policy.cap: must not be below policy.initial (2m) (was 1m)");
        assertThatThrownBy(() -> ServerConfigLoader.load(null, Map.of("ENDURE_POLICY_JITTER", "5"), Map.of()))
                .hasMessage("policy.jitter: must be a finite number from 0 to 1 (was 5) [environment variable ENDURE_POLICY_JITTER]");
        Files.writeString(file, "policy:\n  jitter: 5\n");
        assertThatThrownBy(() -> ServerConfigLoader.load(file, Map.of(), Map.of()))
                .hasMessage("policy.jitter: must be a finite number from 0 to 1 (was 5) [" + file + ", line 2, column 11]");
    }

    // Issue 12: worker.batchSize was documented and read by nothing.
    @Test
    void theReadmeDocumentsExactlyTheKeysTheServerReads() throws Exception {
        java.util.List<String> documented = Files.readAllLines(Path.of("README.md")).stream()
                .filter(line -> line.startsWith("| `") && line.contains("| `ENDURE_"))
                .map(line -> line.substring(3, line.indexOf('`', 3))).toList();
        assertThat(documented).containsExactlyElementsOf(java.util.Arrays.stream(ConfigKey.values()).map(ConfigKey::path).toList());
        assertThat(documented).doesNotContain("worker.batchSize");
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
        assertThatThrownBy(() -> ServerConfigLoader.load(null, Map.of("ENDURE_WORKER_LEASE", "50ms"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("worker.lease: must be");
    }
}
