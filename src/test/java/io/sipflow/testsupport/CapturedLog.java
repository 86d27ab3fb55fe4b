package io.sipflow.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What one class logs during a test, in order: {@link #start()} in a {@code @BeforeEach},
 * {@link #close()} in an {@code @AfterEach}.
 */
public final class CapturedLog implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public CapturedLog(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
    }

    public CapturedLog start() {
        appender.start();
        logger.addAppender(appender);
        return this;
    }

    /** Every event so far, oldest first (live: later events are appended). */
    public List<ILoggingEvent> events() {
        return appender.list;
    }

    /** The formatted messages logged at {@code level}, oldest first. */
    public List<String> messages(Level level) {
        return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
