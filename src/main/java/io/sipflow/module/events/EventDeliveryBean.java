package io.sipflow.module.events;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route facade of event delivery ({@code bean:eventDelivery}), used by {@code events.camel.yaml}:
 * {@link #take} the next batch a sink has not delivered from the spool, {@link #toKafkaRecords} for
 * the Kafka sink, then {@link #delivered} (moves the sink's cursor) or, from the error handler,
 * {@link #failed} (the batch stays spooled, the sink backs off and retries, the outage is logged).
 */
public final class EventDeliveryBean {

    /** Exchange property: the spool batch being delivered. */
    public static final String PROPERTY_BATCH = "SipFlowEventsBatch";
    /** Exchange property: true while the spool has more for this sink (the route loops). */
    public static final String PROPERTY_MORE = "SipFlowEventsMore";
    /** Header: how many deliverable events the batch holds. */
    public static final String HEADER_COUNT = "SipFlowEventsCount";

    private static final Logger LOG = LoggerFactory.getLogger(EventDeliveryBean.class);

    private final EventSpool spool;
    private final int batchSize;
    private final Map<EventType, String> topics;
    private final long maxBackoffMs;
    private final Map<String, SinkHealth> health = new ConcurrentHashMap<>();

    public EventDeliveryBean(EventSpool spool, int batchSize, Map<EventType, String> topics, Duration maxBackoff) {
        this.spool = spool;
        this.batchSize = batchSize;
        this.topics = Map.copyOf(topics);
        this.maxBackoffMs = Math.max(100, maxBackoff.toMillis());
        for (String sink : spool.sinks()) {
            health.put(sink, new SinkHealth());
        }
    }

    /**
     * Body := the next events of {@code sink} (a {@code List<SpooledEvent>}); header
     * {@value #HEADER_COUNT} := their number (0 when nothing is pending or the sink is backing off).
     * Malformed spool lines go to the dead-letter file here.
     */
    public void take(Exchange exchange, String sink) throws IOException {
        Message m = exchange.getMessage();
        exchange.setProperty(PROPERTY_MORE, false);
        m.setHeader(HEADER_COUNT, 0);
        m.setBody(List.of());
        SinkHealth h = sinkHealth(sink);
        if (System.currentTimeMillis() < h.retryAt) {
            return;
        }
        EventSpool.Batch batch = spool.take(sink, batchSize);
        if (batch.isEmpty()) {
            return;
        }
        List<SpooledEvent> good = new ArrayList<>(batch.events().size());
        for (SpooledEvent e : batch.events()) {
            if (e.malformed()) {
                LOG.warn("Malformed spool entry sent to the dead-letter file: {}", e.problem());
                spool.deadLetter(sink, e.json(), e.problem());
            } else {
                good.add(e);
            }
        }
        exchange.setProperty(PROPERTY_BATCH, batch);
        exchange.setProperty(PROPERTY_MORE, batch.full());
        m.setHeader(HEADER_COUNT, good.size());
        m.setBody(good);
    }

    /** Body := one Kafka record per event: topic by event type, key = Call-ID / AoR / node. */
    public void toKafkaRecords(Exchange exchange) {
        @SuppressWarnings("unchecked")
        List<SpooledEvent> events = exchange.getMessage().getBody(List.class);
        List<Message> records = new ArrayList<>(events.size());
        for (SpooledEvent e : events) {
            DefaultMessage r = new DefaultMessage(exchange.getContext());
            r.setBody(e.json());
            r.setHeader(KafkaConstants.OVERRIDE_TOPIC, topics.get(e.type()));
            r.setHeader(KafkaConstants.KEY, e.key());
            records.add(r);
        }
        exchange.getMessage().setBody(records);
    }

    /** The batch reached the sink: move its cursor on; log the end of an outage. */
    public void delivered(Exchange exchange) throws IOException {
        EventSpool.Batch batch = exchange.getProperty(PROPERTY_BATCH, EventSpool.Batch.class);
        if (batch == null) {
            return;
        }
        exchange.removeProperty(PROPERTY_BATCH);
        spool.commit(batch);
        SinkHealth h = sinkHealth(batch.sink());
        if (h.downSince != 0) {
            LOG.info("Event delivery to {} resumed after {} s; {} event(s) still spooled", batch.sink(),
                    (System.currentTimeMillis() - h.downSince) / 1000, spool.depth(batch.sink()));
            h.reset();
        }
    }

    /**
     * The sink failed (the route's error handler calls this): the batch stays in the spool, the
     * sink waits (doubling up to {@code sipflow.events.retry-max-interval}) and tries again.
     */
    public void failed(Exchange exchange) {
        EventSpool.Batch batch = exchange.getProperty(PROPERTY_BATCH, EventSpool.Batch.class);
        exchange.removeProperty(PROPERTY_BATCH);
        exchange.setProperty(PROPERTY_MORE, false);
        if (batch == null) {
            return;
        }
        String sink = batch.sink();
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        SinkHealth h = sinkHealth(sink);
        long now = System.currentTimeMillis();
        h.backoffMs = h.backoffMs == 0 ? 250 : Math.min(h.backoffMs * 2, maxBackoffMs);
        h.retryAt = now + h.backoffMs;
        String reason = cause == null ? "unknown error" : rootMessage(cause);
        if (h.downSince == 0) {
            h.downSince = now;
            h.lastLog = now;
            LOG.warn("Event delivery to {} failed ({}): {} event(s) kept in the spool, retrying", sink, reason,
                    spool.depth(sink));
        } else if (now - h.lastLog >= 60_000) {
            h.lastLog = now;
            LOG.warn("Event delivery to {} still failing after {} s ({}): {} event(s) spooled, oldest {} s", sink,
                    (now - h.downSince) / 1000, reason, spool.depth(sink), spool.oldestAgeMillis(sink) / 1000);
        }
    }

    /** True while the sink's last delivery failed. */
    public boolean isDown(String sink) {
        return sinkHealth(sink).downSince != 0;
    }

    private SinkHealth sinkHealth(String sink) {
        SinkHealth h = health.get(sink);
        if (h == null) {
            throw new IllegalArgumentException("No event sink named '" + sink + "' (known: " + health.keySet() + ")");
        }
        return h;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Whether a sink is failing, and when it may try again. */
    private static final class SinkHealth {
        volatile long downSince;
        volatile long retryAt;
        volatile long backoffMs;
        volatile long lastLog;

        void reset() {
            downSince = 0;
            retryAt = 0;
            backoffMs = 0;
            lastLog = 0;
        }
    }
}
