package io.sipflow.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipflow.module.db.JdbcEventPersistence;
import io.sipflow.module.events.EventDeliveryBean;
import io.sipflow.module.events.EventSpool;
import io.sipflow.module.events.EventType;
import io.sipflow.module.events.SpoolingEventPublisher;
import io.sipflow.module.kafka.EmbeddedKafka;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the event pipeline from the {@code sipflow.events.*} and {@code sipflow.kafka.*}
 * properties: the meter registry ({@code meterRegistry}, also {@code metricsRegistry} for Camel's
 * {@code /observe/metrics}), the spool, the publisher ({@code events}), the delivery facade
 * ({@code eventDelivery}), the MySQL sink ({@code eventsMysql}), the Kafka component (brokers,
 * idempotent producer, {@code acks=all}) and, with no brokers configured, an embedded Kafka.
 */
final class EventsWiring extends ServiceSupport {

    static final List<String> SINKS = List.of("kafka", "mysql");
    private static final Logger LOG = LoggerFactory.getLogger(EventsWiring.class);

    private final MeterRegistry meterRegistry;
    private SpoolingEventPublisher publisher;
    private EventSpool spool;
    private EmbeddedKafka embeddedKafka;

    /**
     * The meter registry: the one camel-micrometer-prometheus serves on {@code /observe/metrics}
     * (bound as {@code metricsRegistry}), created here when Camel has not made it yet; also bound as
     * {@code meterRegistry} for modules that add meters.
     */
    EventsWiring(CamelContext context) {
        MeterRegistry camels = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (camels == null) {
            camels = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind("metricsRegistry", camels);
        }
        this.meterRegistry = camels;
        context.getRegistry().bind("meterRegistry", meterRegistry);
    }

    MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** Opens the spool, starts the publisher, wires Kafka and MySQL delivery; returns the publisher. */
    SpoolingEventPublisher start(CamelContext context, Settings s, DataSource dataSource) throws IOException {
        Path spoolDir = Path.of(s.string("sipflow.events.spool-dir", "data/spool")).toAbsolutePath();
        long segmentBytes = s.integer("sipflow.events.spool-segment-mb", 64) * 1024L * 1024L;
        if (segmentBytes <= 0) {
            throw new IllegalArgumentException("Invalid sipflow.events.spool-segment-mb: must be positive");
        }
        spool = new EventSpool(spoolDir, segmentBytes, SINKS);
        int queueCapacity = positive(s, "sipflow.events.queue-capacity", 100_000);
        Duration linger = s.duration("sipflow.events.spool-linger", Duration.ofMillis(5));
        if (linger.isNegative() || linger.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("Invalid sipflow.events.spool-linger: must be between 0 and 1s");
        }
        publisher = new SpoolingEventPublisher(spool, queueCapacity, linger);
        LOG.info("Event spool {}: {} event(s) awaiting Kafka, {} awaiting MySQL", spoolDir, spool.depth("kafka"),
                spool.depth("mysql"));

        Map<EventType, String> topics = new EnumMap<>(EventType.class);
        topics.put(EventType.CDR, s.string("sipflow.events.kafka.topic-cdr", "sipflow.cdr"));
        topics.put(EventType.REGISTRATION, s.string("sipflow.events.kafka.topic-registration", "sipflow.registrations"));
        topics.put(EventType.STATS, s.string("sipflow.events.kafka.topic-stats", "sipflow.stats"));
        configureKafka(context, s, topics);

        int batchSize = positive(s, "sipflow.events.batch-size", 1000);
        Duration maxBackoff = s.duration("sipflow.events.retry-max-interval", Duration.ofSeconds(10));
        context.getRegistry().bind("events", publisher);
        context.getRegistry().bind("eventDelivery", new EventDeliveryBean(spool, batchSize, topics, maxBackoff));
        int writers = positive(s, "sipflow.events.mysql-writers", 2);
        context.getRegistry().bind("eventsMysql", new JdbcEventPersistence(dataSource, spool, writers));
        bindSpoolMeters();
        return publisher;
    }

    private void configureKafka(CamelContext context, Settings s, Map<EventType, String> topics) {
        String brokers = s.string("sipflow.kafka.brokers", null);
        if (brokers == null) {
            Path dir = Path.of(s.string("sipflow.kafka.embedded-dir", "data/kafka")).toAbsolutePath();
            embeddedKafka = EmbeddedKafka.start(dir, s.integer("sipflow.kafka.embedded-port", 9092));
            embeddedKafka.createTopics(topics.values());
            brokers = embeddedKafka.bootstrapServers();
            LOG.info("No sipflow.kafka.brokers configured: events go to the embedded Kafka at {} (topics {})", brokers,
                    topics.values());
        } else {
            LOG.info("Events go to Kafka at {} (topics {})", brokers, topics.values());
        }
        int deliveryTimeout = (int) s.duration("sipflow.kafka.delivery-timeout", Duration.ofSeconds(30)).toMillis();
        KafkaConfiguration k = context.getComponent("kafka", KafkaComponent.class).getConfiguration();
        k.setBrokers(brokers);
        k.setClientId(s.string("sipflow.kafka.client-id", "sipflow-" + nodeName(s)));
        // no duplicates from producer retries, nothing acknowledged before every in-sync replica has it
        k.setEnableIdempotence(true);
        k.setRequestRequiredAcks("all");
        k.setMaxInFlightRequest(5);
        k.setRetries(Integer.MAX_VALUE);
        k.setLingerMs(5);
        k.setProducerBatchSize(256 * 1024);
        if (deliveryTimeout < 2_000) {
            throw new IllegalArgumentException("Invalid sipflow.kafka.delivery-timeout: at least 2s");
        }
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
        k.setRequestTimeoutMs(Math.min(deliveryTimeout / 2, 10_000));
        k.setDeliveryTimeoutMs(deliveryTimeout);
        // a send to an unreachable cluster fails after this instead of blocking the delivery route for a minute
        k.setMaxBlockMs(Math.min(deliveryTimeout, 10_000));
        k.setReconnectBackoffMaxMs(2_000);
    }

    private void bindSpoolMeters() {
        for (String sink : SINKS) {
            Gauge.builder("events_spool_depth", spool, sp -> sp.depth(sink)).tag("sink", sink)
                    .description("events not yet delivered to the sink").register(meterRegistry);
            Gauge.builder("events_spool_age_seconds", spool, sp -> sp.oldestAgeMillis(sink) / 1000.0).tag("sink", sink)
                    .description("age of the oldest event not yet delivered to the sink").register(meterRegistry);
        }
        FunctionCounter.builder("events_published", publisher,
                SpoolingEventPublisher::published).register(meterRegistry);
        FunctionCounter.builder("events_dropped", publisher,
                SpoolingEventPublisher::dropped).register(meterRegistry);
        FunctionCounter.builder("events_dead_lettered", publisher,
                SpoolingEventPublisher::deadLettered).register(meterRegistry);
        Gauge.builder("events_queued", publisher, SpoolingEventPublisher::queued).register(meterRegistry);
    }

    /** {@code sipflow.events.node}, else the host name. */
    static String nodeName(Settings s) {
        String node = s.string("sipflow.events.node", null);
        if (node != null) {
            return node;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "sipflow";
        }
    }

    private static int positive(Settings s, String key, int fallback) {
        int v = s.integer(key, fallback);
        if (v <= 0) {
            throw new IllegalArgumentException("Invalid " + key + " '" + v + "': must be positive");
        }
        return v;
    }

    /** On stop (after the routes): what is queued goes to the spool, then the spool and the embedded Kafka close. */
    @Override
    protected void doStop() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
        if (spool != null) {
            spool.close();
        }
        if (embeddedKafka != null) {
            embeddedKafka.close();
        }
    }
}
