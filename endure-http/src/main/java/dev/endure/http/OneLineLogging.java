package dev.endure.http;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Keeps {@link HttpRetryLogger}'s lines one line each under the JDK's untouched default logging, whose
 * {@link SimpleFormatter} writes every record on two lines (time and source, then level and message) and
 * so splits each retry event. Only when nothing was configured (no format property, no logging config
 * file, the root logger's lone default console handler) does the retry logger get a console handler of
 * its own that prints {@code <instant> <LEVEL> <message>}; any configuration of the application's wins.
 */
final class OneLineLogging {

    private OneLineLogging() {}

    static synchronized void applyIfDefault(String loggerName) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") != null
                || System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Logger logger = LogManager.getLogManager().getLogger(loggerName);
        if (logger == null) {
            logger = Logger.getLogger(loggerName);
        }
        if (logger.getHandlers().length > 0 || !logger.getUseParentHandlers()) {
            return;
        }
        Handler[] rootHandlers = Logger.getLogger("").getHandlers();
        if (rootHandlers.length != 1 || rootHandlers[0].getClass() != ConsoleHandler.class
                || rootHandlers[0].getFormatter().getClass() != SimpleFormatter.class) {
            return;
        }
        ConsoleHandler oneLine = new ConsoleHandler();
        oneLine.setLevel(rootHandlers[0].getLevel());
        oneLine.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                return Instant.ofEpochMilli(record.getMillis()) + " " + record.getLevel().getName() + " " + formatMessage(record)
                        + System.lineSeparator();
            }
        });
        logger.addHandler(oneLine);
        logger.setUseParentHandlers(false);
        KEEP.add(logger); // JUL holds loggers weakly: keep this one (and its handler) alive
    }

    private static final java.util.List<Logger> KEEP = new java.util.ArrayList<>();
}
