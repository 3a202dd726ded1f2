package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server runs on Jetty's server, HTTP and servlet parts only: the websocket, webapp, annotation
 * scanning, JNDI and CDI stacks Javalin would bring, and Prometheus's protobuf format, stay off the class
 * path (and so out of the runnable jar). Every other server test runs on this same class path, which is
 * what shows they are not needed.
 */
class ServerJarTest {

    @Test
    void unusedJettyStacksAreNotOnTheClassPath() {
        for (String absent : List.of(
                "org.eclipse.jetty.websocket.core.server.WebSocketServerComponents",
                "org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer",
                "org.eclipse.jetty.ee10.webapp.WebAppContext",
                "org.eclipse.jetty.ee10.annotations.AnnotationConfiguration",
                "org.eclipse.jetty.plus.jndi.Resource",
                "jakarta.enterprise.inject.spi.CDI",
                "org.objectweb.asm.ClassReader",
                "io.prometheus.metrics.expositionformats.internal.PrometheusProtobufWriterImpl")) {
            assertThat(loadable(absent)).as(absent).isFalse();
        }
        for (String present : List.of("org.eclipse.jetty.server.Server", "org.eclipse.jetty.ee10.servlet.ServletContextHandler",
                "io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter", "ch.qos.logback.classic.encoder.JsonEncoder")) {
            assertThat(loadable(present)).as(present).isTrue();
        }
    }

    private static boolean loadable(String name) {
        try {
            Class.forName(name, false, ServerJarTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
