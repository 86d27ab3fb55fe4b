package io.sipflow.module.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one) inside this JVM: the zero-setup default
 * when {@code sipflow.kafka.brokers} is empty, and the broker of the tests. Data stays in its
 * folder across restarts (formatted on first start); replication factors are 1.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** The log cleaner's offset map: enough for __consumer_offsets of a single node. */
    static final long DEDUPE_BUFFER_BYTES = 8L * 1024 * 1024;

    private final Path dir;
    private final int port;
    private final KafkaRaftServer server;

    private EmbeddedKafka(Path dir, int port, KafkaRaftServer server) {
        this.dir = dir;
        this.port = port;
        this.server = server;
    }

    /**
     * Starts a broker with its data in {@code dir} (created and formatted when new).
     *
     * @param port the client port on 127.0.0.1; 0 = any free port
     */
    public static EmbeddedKafka start(Path dir, int port) {
        long t0 = System.nanoTime();
        int clientPort = port == 0 ? freePort() : port;
        int controllerPort = freePort();
        try {
            Files.createDirectories(dir);
            Path logDir = dir.resolve("log");
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", logDir.toAbsolutePath().toString());
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("min.insync.replicas", "1");
            p.put("default.replication.factor", "1");
            p.put("num.partitions", "1");
            p.put("auto.create.topics.enable", "true");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "2");
            p.put("background.threads", "2");
            // the log cleaner's dedupe map (128 MiB by default, allocated on the heap at start) only
            // serves the compacted __consumer_offsets here: 8 MiB, 128 MiB less heap in SipFlow's JVM
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(DEDUPE_BUFFER_BYTES));
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(p, dir);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dir, clientPort, server);
            LOG.info("Embedded Kafka (KRaft, single node) on 127.0.0.1:{}, data in {}, started in {} ms", clientPort,
                    dir.toAbsolutePath(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return kafka;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot start the embedded Kafka on 127.0.0.1:" + clientPort
                    + " (sipflow.kafka.embedded-port) with data in " + dir.toAbsolutePath() + " (sipflow.kafka.embedded-dir): "
                    + e.getMessage() + " — or point sipflow.kafka.brokers at a running cluster", e);
        }
    }

    private static void format(Properties p, Path dir) throws IOException {
        Path config = dir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            p.store(out, "SipFlow embedded Kafka (written on first start; the running settings come from SipFlow)");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
            "--ignore-formatted"}, new PrintStream(output, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("Formatting the embedded Kafka storage in " + dir + " failed: "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** Creates the topics that do not exist yet (one partition, replication factor 1). */
    public void createTopics(Collection<String> topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Set<String> existing = new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, 1, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topics " + topics + " on the embedded Kafka: " + e.getMessage(), e);
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka on 127.0.0.1:{} stopped", port);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port for the embedded Kafka", e);
        }
    }
}
