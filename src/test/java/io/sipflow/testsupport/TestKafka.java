package io.sipflow.testsupport;

import java.util.ArrayList;
import io.sipflow.module.events.EventJson;
import com.fasterxml.jackson.databind.JsonNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.kafka.EmbeddedKafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One real in-JVM KRaft Kafka for the whole test JVM (started on first use, stopped at JVM exit),
 * like {@link TestMariaDb}; tests use topics of their own. {@link #startPrivate} gives a test a
 * broker of its own when it must stop and restart it.
 */
public final class TestKafka {

    private static EmbeddedKafka shared;

    private TestKafka() {
    }

    public static synchronized EmbeddedKafka shared() {
        if (shared == null) {
            shared = startPrivate(0);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "test-kafka-stop"));
        }
        return shared;
    }

    /** A broker of its own in a fresh folder (port 0 = any free port). */
    public static EmbeddedKafka startPrivate(int port) {
        return EmbeddedKafka.start(newDirectory("kafka"), port);
    }

    /** A fresh folder under target/ for a broker or a spool. */
    public static Path newDirectory(String kind) {
        try {
            Path base = Path.of("target", "test-data");
            Files.createDirectories(base);
            return Files.createTempDirectory(base, kind + "-").toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A consumer reading the topics from their beginning, in a group of its own. */
    public static KafkaConsumer<String, String> consumer(String bootstrap, String... topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(topics));
        return consumer;
    }

    /** Polls once (up to 500 ms) and adds what came to {@code into}. */
    public static void pollInto(KafkaConsumer<String, String> consumer, List<ConsumerRecord<String, String>> into) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            into.add(r);
        }
    }

    /**
     * Polls into {@code into} until it holds at least {@code n} records (at most {@code wait}), polls
     * once more, and checks it holds exactly {@code n}: no more came with them.
     */
    public static List<ConsumerRecord<String, String>> awaitExactly(KafkaConsumer<String, String> consumer,
            List<ConsumerRecord<String, String>> into, int n, Duration wait) {
        await().atMost(wait).until(() -> {
            pollInto(consumer, into);
            return into.size() >= n;
        });
        pollInto(consumer, into);
        assertThat(into).hasSize(n);
        return into;
    }

    /** {@link #awaitExactly} read as event JSON: the {@code n} events, in the order they came. */
    public static List<JsonNode> awaitEvents(KafkaConsumer<String, String> consumer,
            List<ConsumerRecord<String, String>> into, int n, Duration wait) {
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : awaitExactly(consumer, into, n, wait)) {
            events.add(EventJson.read(r.value()));
        }
        return events;
    }

    /** Topic names of one test: {@code sipflow.events.kafka.topic-*} overrides, unique per call. */
    public static Map<String, String> uniqueTopics() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return Map.of("sipflow.events.kafka.topic-cdr", "cdr-" + suffix,
                "sipflow.events.kafka.topic-registration", "reg-" + suffix,
                "sipflow.events.kafka.topic-stats", "stats-" + suffix);
    }
}
