package io.sipflow.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * What one class logs during each test, in order: a JUnit extension
 * ({@code @RegisterExtension final CapturedLog log = new CapturedLog(X.class);}) that attaches before
 * each test and detaches after it.
 */
public final class CapturedLog implements BeforeEachCallback, AfterEachCallback, AutoCloseable {

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
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
