package dev.endure.observe.testlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.LoggingEventAware;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * A real SLF4J 2 provider for tests (found through {@code META-INF/services}, like logback would be)
 * that keeps every event with its key-value pairs, so tests read exactly what a JSON encoder would get.
 */
public final class CapturingProvider implements SLF4JServiceProvider {

    /** One logged event as the backend received it. */
    public record Captured(String logger, Level level, String message, List<KeyValuePair> keyValues, Throwable throwable) {
        /** The value of {@code key}, or null. */
        public Object value(String key) {
            for (KeyValuePair pair : keyValues) {
                if (pair.key.equals(key)) {
                    return pair.value;
                }
            }
            return null;
        }

        public List<String> keys() {
            return keyValues.stream().map(pair -> pair.key).toList();
        }
    }

    private static final List<Captured> EVENTS = new CopyOnWriteArrayList<>();
    private static volatile Level threshold = Level.TRACE;

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, CapturingLogger::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    public static List<Captured> events() {
        return List.copyOf(EVENTS);
    }

    public static void clear() {
        EVENTS.clear();
    }

    /** Events below this level are disabled, as a backend's level setting would. */
    public static void threshold(Level level) {
        threshold = level;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {}

    private static final class CapturingLogger extends AbstractLogger implements LoggingEventAware {
        private static final long serialVersionUID = 1L;

        CapturingLogger(String name) {
            this.name = name;
        }

        private static boolean enabled(Level level) {
            return level.toInt() >= threshold.toInt();
        }

        /** The fluent API lands here, with its key-value pairs intact. */
        @Override
        public void log(LoggingEvent event) {
            List<KeyValuePair> pairs = event.getKeyValuePairs() == null ? List.of() : new ArrayList<>(event.getKeyValuePairs());
            EVENTS.add(new Captured(name, event.getLevel(), event.getMessage(), List.copyOf(pairs), event.getThrowable()));
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String message, Object[] arguments, Throwable throwable) {
            EVENTS.add(new Captured(name, level, message, List.of(), throwable));
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isTraceEnabled(Marker marker) {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isDebugEnabled(Marker marker) {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isInfoEnabled(Marker marker) {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isWarnEnabled(Marker marker) {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        public boolean isErrorEnabled(Marker marker) {
            return enabled(Level.ERROR);
        }
    }
}
