package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfigDocumentTest {

    @Test
    void findsValuesByPathWithTheirPositions() {
        ConfigDocument doc = ConfigDocument.parseYaml("""
                server:
                  port: 8080
                  grace: 1h30m
                targets: [a, b]
                "odd.key": { x: 1 }
                """, "inline");
        assertThat(doc.errors()).isEmpty();
        assertThat(doc.keys("")).containsExactly("server", "targets", "odd.key");
        ConfigDocument.Value port = doc.value("server.port").orElseThrow();
        assertThat(port).isEqualTo(new ConfigDocument.Value("server.port", ConfigDocument.Kind.INTEGER, "8080", 2, 9));
        assertThat(DurationText.parse(doc.value("server.grace").orElseThrow().text())).hasMinutes(90);
        assertThat(doc.items("targets")).extracting(ConfigDocument.Value::path).containsExactly("targets[0]", "targets[1]");
        assertThat(doc.value(ConfigDocument.child(ConfigDocument.child("", "odd.key"), "x"))).isPresent();
        assertThat(doc.value("server.missing")).isEmpty();
        assertThat(ConfigDocument.closest("prot", java.util.List.of("port", "host"))).contains("port");
    }

    @Test
    void anUnreadableValueIsReportedOnceUnderItsKey() {
        ConfigDocument doc = ConfigDocument.parseYaml("server: {port: .nan}", "inline");
        assertThat(doc.errors()).singleElement().satisfies(error -> assertThat(error.path()).isEqualTo("server.port"));
    }
}
