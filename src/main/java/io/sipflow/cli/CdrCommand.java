package io.sipflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipflow.module.events.EventJson;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sipflow cdr tail}: reads the CDR topic like a downstream consumer and prints each CDR. */
@Command(name = "cdr", mixinStandardHelpOptions = true, description = "CDR stream tools.",
        subcommands = {CdrCommand.Tail.class})
public final class CdrCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.err.println("usage: sipflow cdr tail [--from-beginning] [--max N] [--json]");
        return 2;
    }

    /** Consumes {@code sipflow.events.kafka.topic-cdr} and prints one line (or the JSON) per CDR. */
    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = "Print CDRs from the Kafka topic as they arrive (sipflow.kafka.brokers, else the embedded Kafka).")
    public static final class Tail implements Callable<Integer> {

        @Option(names = "--from-beginning", description = "start at the oldest CDR still on the topic")
        boolean fromBeginning;

        @Option(names = "--max", description = "stop after this many CDRs (default: run until Ctrl-C)")
        long max = Long.MAX_VALUE;

        @Option(names = "--idle-exit", description = "stop when nothing arrived for this many seconds (default: never)")
        long idleExitSeconds;

        @Option(names = "--json", description = "print the CDR JSON as received")
        boolean json;

        @Option(names = "--group", description = "consumer group (default: a fresh one, so every run reads on its own)")
        String group;

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Override
        public Integer call() {
            CliProperties props = new CliProperties(options.properties);
            String brokers = props.get("sipflow.kafka.brokers");
            if (brokers.isEmpty()) {
                brokers = "127.0.0.1:" + props.get("sipflow.kafka.embedded-port");
            }
            String topic = props.get("sipflow.events.kafka.topic-cdr");
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group != null ? group : "sipflow-cdr-tail-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            System.err.println("Reading CDRs from topic " + topic + " at " + brokers + (fromBeginning ? " from the beginning" : ""));
            long printed = 0;
            long lastSeen = System.currentTimeMillis();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                while (printed < max) {
                    boolean any = false;
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        any = true;
                        print(System.out, r.value());
                        if (++printed >= max) {
                            break;
                        }
                    }
                    long now = System.currentTimeMillis();
                    if (any) {
                        lastSeen = now;
                    } else if (idleExitSeconds > 0 && now - lastSeen >= idleExitSeconds * 1000) {
                        break;
                    }
                }
            }
            return 0;
        }

        private void print(PrintStream out, String value) {
            if (json) {
                out.println(value);
                return;
            }
            out.println(line(value));
            out.flush();
        }
    }

    /**
     * One human line per CDR: {@code created outcome code reason tenant direction from -> to
     * duration setup call-id}, and the To tag of an answered call (its dialog: a fork answered by two
     * branches is two answered CDRs of one Call-ID); the raw text when it is not a CDR.
     */
    static String line(String value) {
        JsonNode c;
        try {
            c = EventJson.read(value);
        } catch (IllegalArgumentException e) {
            return value;
        }
        String line = String.format("%s %-9s %3s %-24s %s %s %s@%s -> %s@%s duration=%.3fs setup=%.3fs call-id=%s",
                c.path("created").asText(), c.path("outcome").asText(), c.path("sip_code").asText(),
                "\"" + c.path("sip_reason").asText() + "\"", c.path("tenant").asText(), c.path("direction").asText(),
                c.path("from_user").asText(), c.path("from_domain").asText(), c.path("to_user").asText(),
                c.path("to_domain").asText(), c.path("duration_ms").asLong() / 1000.0, c.path("setup_time_ms").asLong() / 1000.0,
                c.path("call_id").asText());
        return "answered".equals(c.path("outcome").asText()) ? line + " to-tag=" + c.path("to_tag").asText() : line;
    }
}
