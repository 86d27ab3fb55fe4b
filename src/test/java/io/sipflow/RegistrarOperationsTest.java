package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.EmbeddedMariaDb;
import io.sipflow.module.db.JdbcTenantPersistence;
import io.sipflow.module.location.LocationBean;
import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.DispatcherTarget;
import io.sipflow.module.tenant.TenantBean;
import io.sipflow.module.tenant.TenantDomain;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestMariaDb;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.RetryAfterHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** Operating the registrar: probing, reload, the bindings view and CLI, limits, expiry, a MySQL outage. */
class RegistrarOperationsTest {

    private static final String PASSWORD = "pw";

    @RegisterExtension
    final FakeAsterisk asterisk = new FakeAsterisk("127.0.0.31");
    @RegisterExtension
    final FakeUserAgent phone = new FakeUserAgent("127.0.0.41");

    private SipFlowTestApp proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void aPbxThatStopsAnsweringProbesIsMarkedDownAndUpAgain() throws Exception {
        asterisk.user("201", PASSWORD);
        FakeUserAgent optionsTarget = asterisk.agent();
        optionsTarget.answer(Request.OPTIONS, 200);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.dispatcher.probe-interval", "300ms").with("sipflow.dispatcher.probe-timeout", "300ms")
                .with("sipflow.dispatcher.failure-threshold", "1")
                .start();
        DispatcherTarget target = markTheOnlyBoxDownByARelayTimeout();
        // the box answers OPTIONS: the next probe brings it back
        await().atMost(Duration.ofSeconds(10)).until(target::isUp);
        assertThat(optionsTarget.findRequest(Request.OPTIONS, null)).isNotNull();
    }

    @Test
    void withEveryPbxOfTheSetDownARegisterGets503WithRetryAfter() throws Exception {
        asterisk.user("201", PASSWORD);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.dispatcher.probe-interval", "1h").with("sipflow.dispatcher.failure-threshold", "1")
                .with("sipflow.dispatcher.no-pbx-retry-after", "20")
                .start();
        markTheOnlyBoxDownByARelayTimeout();
        // the set's only box is down: the phones are told when to come back, not to retry at once
        Request second = registerRequest(201, "tenant-a.example");
        phone.send(second, proxy.uri());
        Response refused = phone.awaitResponse(second, 503);
        assertThat(refused.getHeader(RetryAfterHeader.NAME)).isNotNull();
        assertThat(((RetryAfterHeader) refused.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(20);
    }

    /**
     * Makes tenant-a's only box (set 1) silent and sends a REGISTER: its 408 marks the box down
     * (failure-threshold 1; probe_mode 0 probes only what is down, so a relay failure it must be).
     */
    private DispatcherTarget markTheOnlyBoxDownByARelayTimeout() throws Exception {
        DispatcherTarget target = tenants().directory().set(1).get(0);
        asterisk.down();
        Request register = registerRequest(201, "tenant-a.example");
        phone.send(register, proxy.uri());
        phone.awaitResponse(register, 408);
        await().atMost(Duration.ofSeconds(10)).until(() -> target.timesMarkedDown() == 1);
        return target;
    }

    @Test
    void aNegativeNoPbxRetryAfterFailsStartupNamingTheKey() throws Exception {
        SipFlowTestApp app = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.dispatcher.no-pbx-retry-after", "-5");
        assertThatThrownBy(app::start).hasStackTraceContaining("Invalid sipflow.dispatcher.no-pbx-retry-after '-5'");
        app.close();
    }

    @Test
    void timeoutStoresNothingAndTheExpiryTimerRemovesBindingsFromMemoryAndMysql() throws Exception {
        asterisk.user("202", PASSWORD).grantedExpires(2);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.location.flush-interval", "100ms").start();
        assertThat(register(202, "tenant-a.example").getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> locationRows() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> locationRows() == 0);
        assertThat(location().store().lookup("202", "tenant-a.example")).isEmpty();
    }

    @Test
    void reloadPicksUpANewTenantWithoutRestartAndTheCliProvisionsIt() throws Exception {
        asterisk.user("201", PASSWORD);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri()).start();
        Request before = registerRequest(201, "tenant-new.example");
        phone.send(before, proxy.uri());
        phone.awaitResponse(before, 403);

        int exit = cli("tenant", "add", "tenant-new.example", "--set", "7", "--pbx", asterisk.uri(),
                "-Dsipflow.db.url=" + proxy.dbUrl(), "-Dsipflow.http.port=" + proxy.httpPort());
        assertThat(exit).isZero();
        assertThat(register(201, "tenant-new.example").getStatusCode()).isEqualTo(200);
    }

    @Test
    void bindingsViewShowsTheBindingsAsJsonOverHttpAndTheCli() throws Exception {
        asterisk.user("203", PASSWORD);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri()).start();
        assertThat(register(203, "tenant-a.example").getStatusCode()).isEqualTo(200);

        HttpResponse<String> http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(proxy.httpBase() + "/admin/bindings?domain=tenant-a.example")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(http.statusCode()).isEqualTo(200);
        assertThat(http.body()).contains("\"username\":\"203\"").contains("\"domain\":\"tenant-a.example\"")
                .contains("sip:" + phone.host() + ":" + phone.port());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(cli("bindings", "--aor", "203@tenant-a.example", "-Dsipflow.http.port=" + proxy.httpPort())).isZero();
        } finally {
            System.setOut(previous);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"contacts\":1").contains("203");
    }

    @Test
    void aRegisterWithAMalformedContactIsRefused400AndNotForwarded() throws Exception {
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri()).start();
        try (io.sipflow.testsupport.RawSipClient client = new io.sipflow.testsupport.RawSipClient("127.0.0.41", "127.0.0.1",
                proxy.port())) {
            client.sendUdp("REGISTER sip:tenant-a.example SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.41:" + client.localPort() + ";branch=z9hG4bK-badcontact;rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:201@tenant-a.example>;tag=b1\r\n"
                    + "To: <sip:201@tenant-a.example>\r\n"
                    + "Call-ID: bad-contact-1\r\n"
                    + "CSeq: 1 REGISTER\r\n"
                    + "Contact: <sip:201@127.0.0.41:5060;expires=3600\r\n"
                    + "Content-Length: 0\r\n\r\n");
            String answer = client.receiveUdpMatching(m -> m.contains("bad-contact-1"), FakeUserAgent.WAIT);
            assertThat(answer).startsWith("SIP/2.0 400");
        }
        assertThat(asterisk.registers()).isEmpty();
    }

    @Test
    void maxContactsRejectPolicyRefuses503BeforeThePbx() throws Exception {
        asterisk.user("204", PASSWORD);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.location.max-contacts", "1").with("sipflow.location.max-contacts-policy", "reject").start();
        assertThat(register(204, "tenant-a.example").getStatusCode()).isEqualTo(200);
        int seen = asterisk.registers().size();
        Request second = registerRequest(204, "tenant-a.example");
        SipURI other = phone.addresses().createSipURI("204", phone.host());
        other.setPort(phone.port() + 1);
        second.setHeader(phone.headers().createContactHeader(phone.addresses().createAddress(other)));
        phone.send(second, proxy.uri());
        phone.awaitResponse(second, 503);
        assertThat(asterisk.registers()).hasSize(seen);
    }

    @Test
    void aRefreshThatOnlyExtendsTheExpiryIsWrittenOnAGracefulStopNotAtOnce() throws Exception {
        // the PBX grants what is asked (up to an hour): the refresh's expiry is later than the first's
        asterisk.user("206", PASSWORD).user("207", PASSWORD).grantedExpires(3600);
        proxy = new SipFlowTestApp().tenant("tenant-a.example", 1, asterisk.uri())
                .with("sipflow.location.flush-interval", "100ms").with("sipflow.location.defer-refresh-writes", "true")
                .start();
        Request first = Registrations.registerRequest(phone, 206, "tenant-a.example", 3000);
        Request refresh = (Request) first.clone();
        long firstCSeq = ((CSeqHeader) first.getHeader(CSeqHeader.NAME)).getSeqNumber();
        assertThat(Registrations.send(phone, proxy.uri(), first, PASSWORD).getStatusCode()).isEqualTo(200);
        // the digest retry (CSeq + 1) is the REGISTER that was saved and written
        await().atMost(Duration.ofSeconds(10)).until(() -> storedCSeq(206) == firstCSeq + 1);

        // same Call-ID and contact, a later expiry: only the expiry moves, the table keeps > half of it
        refresh.setHeader(phone.headers().createCSeqHeader(firstCSeq + 10, Request.REGISTER));
        refresh.setHeader(phone.headers().createExpiresHeader(3600));
        assertThat(Registrations.send(phone, proxy.uri(), refresh, PASSWORD).getStatusCode()).isEqualTo(200);
        assertThat(location().store().lookup("206", "tenant-a.example").get(0).cseq()).isEqualTo(firstCSeq + 11);
        // a change that is written: once it is in the table, the refresh would have been too
        assertThat(register(207, "tenant-a.example").getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> locationRows() == 2);
        assertThat(storedCSeq(206)).as("the expiry-only refresh is left out").isEqualTo(firstCSeq + 1);

        proxy.restart(); // a graceful stop writes the refreshes left out
        assertThat(storedCSeq(206)).isEqualTo(firstCSeq + 11);
        assertThat(location().store().lookup("206", "tenant-a.example").get(0).cseq()).isEqualTo(firstCSeq + 11);
    }

    private long storedCSeq(int ext) throws Exception {
        try (Database d = Database.connect(proxy.dbUrl(), "root", ""); Connection c = d.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT cseq FROM location WHERE username = ?")) {
            ps.setString(1, Integer.toString(ext));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    @Test
    void registrationsContinueFromMemoryWhileMysqlIsDownAndAreWrittenWhenItReturns() throws Exception {
        asterisk.user("205", PASSWORD).user("201", PASSWORD);
        int dbPort = FreePorts.udpAndTcp("127.0.0.1");
        Path dataDir = Path.of("target", "outage-db-" + dbPort).toAbsolutePath();
        EmbeddedMariaDb db = EmbeddedMariaDb.start(dbPort, dataDir, "sipflow");
        try {
            try (Database d = Database.connect(db.jdbcUrl(), "root", "")) {
                new io.sipflow.module.db.SchemaInstaller(d.dataSource()).install();
                JdbcTenantPersistence t = new JdbcTenantPersistence(d.dataSource());
                t.saveDomain(new TenantDomain("tenant-a.example", 1, null));
                t.addDispatcher(new DispatcherEntry(0, 1, asterisk.uri(), null, 0, 0, 1, 0, null, "A"));
            }
            proxy = new SipFlowTestApp().with("sipflow.db.url", db.jdbcUrl())
                    .with("sipflow.location.flush-interval", "100ms").start();
            db.stop();
            assertThat(register(205, "tenant-a.example").getStatusCode()).isEqualTo(200);
            LocationBean location = location();
            assertThat(location.store().lookup("205", "tenant-a.example")).hasSize(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> !((Boolean) location.dump(null, null).get("databaseUp")));

            db = EmbeddedMariaDb.start(dbPort, dataDir, "sipflow");
            EmbeddedMariaDb restarted = db;
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(restarted.jdbcUrl()) == 1);
            assertThat((Boolean) location.dump(null, null).get("databaseUp")).isTrue();
        } finally {
            if (proxy != null) {
                proxy.close();
                proxy = null;
            }
            db.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private TenantBean tenants() {
        return proxy.application().context().getRegistry().lookupByNameAndType("tenants", TenantBean.class);
    }

    private LocationBean location() {
        return proxy.application().context().getRegistry().lookupByNameAndType("location", LocationBean.class);
    }

    private int locationRows() throws Exception {
        return rows(proxy.dbUrl());
    }

    private static int rows(String url) throws Exception {
        try (Database d = Database.connect(url, "root", ""); Connection c = d.dataSource().getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM location")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int cli(String... args) {
        return new CommandLine(new SipFlow()).execute(args);
    }

    private Request registerRequest(int ext, String domain) throws Exception {
        return Registrations.registerRequest(phone, ext, domain, 3600);
    }

    private Response register(int ext, String domain) throws Exception {
        return Registrations.register(phone, proxy.uri(), ext, domain, 3600, PASSWORD);
    }
}
