package dev.endure.server.demo;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Sends the server's log to a file while the demo draws its progress bar, so a WARN line never lands in
 * the middle of the bar; {@link #close()} gives the console its appenders back. Without Logback (another
 * SLF4J backend on the class path) the log stays where that backend puts it.
 */
public final class DemoLog implements AutoCloseable {

    private final Logger root;
    private final List<Appender<ILoggingEvent>> console;
    private final FileAppender<ILoggingEvent> file;

    private DemoLog(Logger root, List<Appender<ILoggingEvent>> console, FileAppender<ILoggingEvent> file) {
        this.root = root;
        this.console = console;
        this.file = file;
    }

    /** Moves every root appender aside and writes the log to {@code path} (replaced, not appended to). */
    public static DemoLog toFile(Path path) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return new DemoLog(null, List.of(), null);
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%kvp{DOUBLE}%n");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("demo-file");
        file.setFile(path.toAbsolutePath().toString());
        file.setAppend(false);
        file.setEncoder(encoder);
        file.start();
        List<Appender<ILoggingEvent>> console = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(console::add);
        root.addAppender(file);
        console.forEach(root::detachAppender);
        return new DemoLog(root, console, file);
    }

    @Override
    public void close() {
        if (root == null) {
            return;
        }
        console.forEach(root::addAppender);
        root.detachAppender(file);
        file.stop();
    }
}
