package io.sipflow.component.sip.stack;

import gov.nist.core.StackLogger;

import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes JAIN-SIP's internal logging to SLF4J (logger {@code gov.nist.javax.sip}); no log4j 1.x. */
public final class Slf4jStackLogger implements StackLogger {

    private static final Logger LOG = LoggerFactory.getLogger("gov.nist.javax.sip");

    @Override
    public void logStackTrace() {
        if (LOG.isTraceEnabled()) {
            LOG.trace("stack trace", new Throwable());
        }
    }

    @Override
    public void logStackTrace(int traceLevel) {
        logStackTrace();
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        LOG.warn("JAIN-SIP exception", ex);
    }

    @Override
    public void logDebug(String message) {
        LOG.debug("{}", message);
    }

    @Override
    public void logDebug(String message, Exception ex) {
        LOG.debug("{}", message, ex);
    }

    @Override
    public void logTrace(String message) {
        LOG.trace("{}", message);
    }

    @Override
    public void logFatalError(String message) {
        LOG.error("{}", message);
    }

    @Override
    public void logError(String message) {
        LOG.error("{}", message);
    }

    @Override
    public boolean isLoggingEnabled() {
        return LOG.isWarnEnabled();
    }

    @Override
    public boolean isLoggingEnabled(int level) {
        if (level <= TRACE_ERROR) {
            return LOG.isErrorEnabled();
        }
        if (level <= TRACE_WARN) {
            return LOG.isWarnEnabled();
        }
        if (level <= TRACE_INFO) {
            return LOG.isInfoEnabled();
        }
        if (level <= TRACE_DEBUG) {
            return LOG.isDebugEnabled();
        }
        return LOG.isTraceEnabled();
    }

    @Override
    public void logError(String message, Exception ex) {
        LOG.error("{}", message, ex);
    }

    @Override
    public void logWarning(String message) {
        LOG.warn("{}", message);
    }

    @Override
    public void logInfo(String message) {
        LOG.info("{}", message);
    }

    @Override
    public void disableLogging() {
        // levels are controlled by the SLF4J backend configuration
    }

    @Override
    public void enableLogging() {
        // levels are controlled by the SLF4J backend configuration
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
        // not logged
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing to configure
    }

    @Override
    public String getLoggerName() {
        return LOG.getName();
    }
}
