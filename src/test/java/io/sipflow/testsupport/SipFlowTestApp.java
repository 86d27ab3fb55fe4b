package io.sipflow.testsupport;

import io.sipflow.app.SipFlowApplication;
import io.sipflow.component.sip.SipComponent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real SipFlow application (Camel Main, the real YAML routes) on a free port of 127.0.0.1,
 * with test-sized timers. Properties given to {@link #with} override application.properties.
 */
public final class SipFlowTestApp implements AutoCloseable {

    private final Map<String, String> properties = new LinkedHashMap<>();
    private final String host;
    private final int port;
    private final int httpPort;
    private SipFlowApplication app;

    public SipFlowTestApp() {
        this("127.0.0.1");
    }

    public SipFlowTestApp(String host) {
        this.host = host;
        this.port = FreePorts.udpAndTcp(host);
        properties.put("sipflow.sip.listen", "udp:" + host + ":" + port + ",tcp:" + host + ":" + port);
        properties.put("sipflow.sip.fr-timeout", "1500ms");
        properties.put("sipflow.sip.fr-inv-timeout", "5s");
        properties.put("sipflow.sip.shutdown-timeout", "2");
        this.httpPort = FreePorts.udpAndTcp("127.0.0.1");
        properties.put("sipflow.http.port", Integer.toString(httpPort));
        // a database of its own in the shared test MariaDB (a test may point elsewhere with with())
        properties.put("sipflow.db.url", TestMariaDb.newDatabaseUrl());
        properties.put("sipflow.db.user", "root");
        // events: the shared test Kafka, topics and a spool of its own, a free management port
        properties.put("sipflow.kafka.brokers", TestKafka.shared().bootstrapServers());
        properties.putAll(TestKafka.uniqueTopics());
        properties.put("sipflow.events.spool-dir", TestKafka.newDirectory("spool").toString());
        this.managementPort = FreePorts.udpAndTcp("127.0.0.1");
        properties.put("sipflow.management.port", Integer.toString(managementPort));
    }

    private final int managementPort;

    /** Base URL of Camel's management server ({@code /observe/metrics}, {@code /observe/health}). */
    public String managementBase() {
        return "http://127.0.0.1:" + managementPort;
    }

    /** Every property this app was (or will be) started with. */
    public Map<String, String> properties() {
        return Map.copyOf(properties);
    }

    /** The value of a property as this app was (or will be) started with. */
    public String property(String key) {
        return properties.get(key);
    }

    /** Stops and starts the same instance again (same database, spool, ports). */
    public SipFlowTestApp restart() throws Exception {
        close();
        app = null;
        return start();
    }

    public SipFlowTestApp with(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /**
     * Calls that time out quickly: this final-response timeout (INVITE and others), this late-answer
     * window, the dialog sweep every 200 ms, no PBX probing (a probe must not race the test's PBX).
     */
    public SipFlowTestApp quickCallTimers(java.time.Duration finalResponseTimeout, java.time.Duration lateAnswerWindow) {
        return with("sipflow.dispatcher.probe-interval", "1h")
                .with("sipflow.sip.fr-timeout", finalResponseTimeout.toMillis() + "ms")
                .with("sipflow.sip.fr-inv-timeout", finalResponseTimeout.toMillis() + "ms")
                .with("sipflow.acc.late-answer-window", lateAnswerWindow.toMillis() + "ms")
                .with("sipflow.acc.dialog-check-interval", "200ms");
    }

    private final Map<String, Object> beans = new LinkedHashMap<>();

    /** Binds a bean the routes can call ({@code to: bean:name}). */
    public SipFlowTestApp bind(String name, Object bean) {
        beans.put(name, bean);
        return this;
    }

    private final java.util.List<String[]> tenants = new java.util.ArrayList<>();

    /** Provisions a tenant domain whose dispatcher set holds these PBXs, before SipFlow starts. */
    public SipFlowTestApp tenant(String domain, int setId, String... pbxUris) {
        tenants.add(new String[] {domain, Integer.toString(setId), String.join(" ", pbxUris)});
        return this;
    }

    private void provisionTenants() throws Exception {
        if (tenants.isEmpty()) {
            return;
        }
        try (io.sipflow.module.db.Database db = io.sipflow.module.db.Database.connect(properties.get("sipflow.db.url"),
                properties.getOrDefault("sipflow.db.user", "root"), properties.getOrDefault("sipflow.db.password", ""))) {
            new io.sipflow.module.db.SchemaInstaller(db.dataSource()).install();
            var persistence = new io.sipflow.module.db.JdbcTenantPersistence(db.dataSource());
            for (String[] t : tenants) {
                int setId = Integer.parseInt(t[1]);
                persistence.saveDomain(new io.sipflow.module.tenant.TenantDomain(t[0], setId, null));
                for (String pbx : t[2].split(" ")) {
                    if (!pbx.isBlank()) {
                        persistence.addDispatcher(new io.sipflow.module.tenant.DispatcherEntry(0, setId, pbx, null, 0, 0, 1, 0,
                                null, t[0]));
                    }
                }
            }
        }
        tenants.clear(); // a restart() finds them in the database
    }

    public SipFlowTestApp start() throws Exception {
        provisionTenants();
        app = new SipFlowApplication(properties);
        beans.forEach(app::bind);
        try {
            app.start();
        } catch (Exception e) {
            app.close();
            throw e;
        }
        return this;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code sip:host:port} of the proxy. */
    public String uri() {
        return "sip:" + host + ":" + port;
    }

    public String dbUrl() {
        return properties.get("sipflow.db.url");
    }

    public int httpPort() {
        return httpPort;
    }

    /** Base URL of the management HTTP API. */
    public String httpBase() {
        return "http://127.0.0.1:" + httpPort;
    }

    public SipFlowApplication application() {
        return app;
    }

    public SipComponent sipComponent() {
        return app.context().getComponent("sip", SipComponent.class);
    }

    @Override
    public void close() throws Exception {
        if (app != null) {
            app.close();
        }
    }
}
