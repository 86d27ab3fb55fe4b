package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcTenantPersistence;
import io.sipflow.module.db.SchemaInstaller;
import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationBean;
import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.TenantDomain;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestMariaDb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The REGISTER flow against emulated Asterisks and a real MariaDB: three tenants sharing
 * extensions 201-205, each with its own Asterisk that challenges (401) and lists another device in
 * its 2xx; exact {@code location} rows; nothing stored on 401/403/timeout; de-register, "*",
 * refresh, CSeq ordering, failover, Call-ID pinning, restart, Path mode, bad input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrarFlowTest {

    private static final String PASSWORD = "secret-201";

    private String dbUrl;
    private Database database;
    private final Map<String, FakeAsterisk> asterisks = new LinkedHashMap<>();
    private FakeAsterisk deadBox;
    private final List<FakeUserAgent> endpoints = new ArrayList<>();
    private SipFlowTestApp proxy;

    @BeforeAll
    void startDatabaseAndPbxs() throws Exception {
        dbUrl = TestMariaDb.newDatabaseUrl();
        database = Database.connect(dbUrl, "root", "");
        new SchemaInstaller(database.dataSource()).install();
        JdbcTenantPersistence tenants = new JdbcTenantPersistence(database.dataSource());
        String[] names = {"a", "b", "c"};
        for (int i = 0; i < names.length; i++) {
            FakeAsterisk box = new FakeAsterisk("127.0.0." + (11 + i)).start();
            for (int ext = 201; ext <= 205; ext++) {
                box.user(Integer.toString(ext), PASSWORD);
            }
            asterisks.put("tenant-" + names[i] + ".example", box);
            tenants.saveDomain(new TenantDomain("tenant-" + names[i] + ".example", i + 1, null));
            tenants.addDispatcher(new DispatcherEntry(0, i + 1, box.uri(), null, 0, 0, 1, 0, null, "Asterisk " + names[i]));
        }
        // tenant-d: two boxes, the first never answers (failover)
        deadBox = new FakeAsterisk("127.0.0.14").start().down();
        FakeAsterisk live = new FakeAsterisk("127.0.0.15").start().user("201", PASSWORD);
        asterisks.put("tenant-d.example", live);
        tenants.saveDomain(new TenantDomain("tenant-d.example", 4, null));
        tenants.addDispatcher(new DispatcherEntry(0, 4, deadBox.uri(), null, 0, 0, 1, 10, null, "dead"));
        tenants.addDispatcher(new DispatcherEntry(0, 4, live.uri(), null, 0, 0, 1, 0, null, "live"));
        for (int i = 0; i < 3; i++) {
            endpoints.add(new FakeUserAgent("127.0.0." + (21 + i)).start());
        }
    }

    @AfterAll
    void stopAll() throws Exception {
        endpoints.forEach(FakeUserAgent::close);
        asterisks.values().forEach(FakeAsterisk::close);
        deadBox.close();
        database.close();
    }

    @BeforeEach
    void startProxy() throws Exception {
        try (Connection c = database.dataSource().getConnection()) {
            c.createStatement().executeUpdate("DELETE FROM location");
        }
        proxy = startSipFlow("rewrite");
    }

    private SipFlowTestApp startSipFlow(String contactMode) throws Exception {
        return new SipFlowTestApp()
                .with("sipflow.db.url", dbUrl)
                .with("sipflow.db.user", "root")
                .with("sipflow.location.flush-interval", "100ms")
                .with("sipflow.registrar.contact-mode", contactMode)
                .with("sipflow.dispatcher.probe-interval", "1h")
                .start();
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void threeTenantsWithTheSameExtensionsEachSaveOnlyTheirOwnContactWithReceivedAndGrantedExpiry() throws Exception {
        String[] tenants = {"tenant-a.example", "tenant-b.example", "tenant-c.example"};
        for (int i = 0; i < 3; i++) {
            for (int ext = 201; ext <= 205; ext++) {
                Response ok = register(endpoints.get(i), ext, tenants[i], 3600);
                assertThat(ok.getStatusCode()).isEqualTo(200);
                // the endpoint gets its own contact back in the 2xx, never SipFlow's rewritten one
                List<String> contacts = new ArrayList<>();
                ok.getHeaders(ContactHeader.NAME).forEachRemaining(h -> contacts.add(
                        ((ContactHeader) h).getAddress().getURI().toString()));
                assertThat(contacts).contains("sip:" + ext + "@" + endpoints.get(i).host() + ":" + endpoints.get(i).port())
                        .noneMatch(c -> c.contains("sfb="));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 15);
        for (int i = 0; i < 3; i++) {
            FakeUserAgent ep = endpoints.get(i);
            Map<String, Object> row = row("201", tenants[i]);
            assertThat(row.get("contact")).isEqualTo("sip:201@" + ep.host() + ":" + ep.port());
            assertThat(row.get("received")).isEqualTo("sip:" + ep.host() + ":" + ep.port());
            assertThat(row.get("pbx")).isEqualTo(asterisks.get(tenants[i]).uri());
            long expires = ((Number) row.get("expires")).longValue() - System.currentTimeMillis() / 1000;
            assertThat(expires).as("the expiry Asterisk granted (300), not the 3600 asked").isBetween(295L, 300L);
            assertThat(row.get("user_agent")).isEqualTo("SipFlowTestPhone/1.0");
            assertThat(row.get("socket")).isEqualTo("udp:127.0.0.1:" + proxy.port());
        }
        // the other device Asterisk listed in every 2xx is never stored with this device's address
        assertThat(rowCount("SELECT COUNT(*) FROM location WHERE contact LIKE '%other-device%'")).isZero();
        // Asterisk saw SipFlow's contact, the endpoint got its own back
        Request atAsterisk = last(asterisks.get("tenant-a.example").registers());
        String contactAtPbx = ((ContactHeader) atAsterisk.getHeader(ContactHeader.NAME)).getAddress().getURI().toString();
        assertThat(contactAtPbx).startsWith("sip:205@127.0.0.1:" + proxy.port()).contains(";sfb=");
        // the in-memory index answers for each tenant separately
        LocationBean location = proxy.application().context().getRegistry().lookupByNameAndType("location", LocationBean.class);
        assertThat(location.store().lookup("201", "tenant-b.example")).extracting(Binding::contact)
                .containsExactly("sip:201@" + endpoints.get(1).host() + ":" + endpoints.get(1).port());
    }

    @Test
    void challengeWrongPasswordAndTimeoutStoreNothing() throws Exception {
        FakeUserAgent ep = endpoints.get(0);
        Response forbidden = Registrations.send(ep, proxy.uri(), registerRequest(ep, 202, "tenant-a.example", 3600),
                "wrong-password");
        assertThat(forbidden.getStatusCode()).isEqualTo(403);

        // a marker REGISTER that succeeds proves the write-back ran after the refused ones
        assertThat(register(ep, 203, "tenant-a.example", 3600).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        assertThat(row("202", "tenant-a.example")).isEmpty();
    }

    @Test
    void expiresZeroRemovesTheBindingAndStarRemovesAllAfterThe2xx() throws Exception {
        FakeUserAgent ep = endpoints.get(1);
        assertThat(register(ep, 204, "tenant-b.example", 3600).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        assertThat(register(ep, 204, "tenant-b.example", 0).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 0);

        assertThat(register(ep, 205, "tenant-b.example", 3600).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        Request star = registerRequest(ep, 205, "tenant-b.example", 0);
        star.removeHeader(ContactHeader.NAME);
        star.addHeader(ep.headers().createHeader("Contact", "*"));
        assertThat(sendWithAuth(ep, star, 205).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 0);
    }

    @Test
    void refreshUpdatesTheRowAndAnOlderCSeqOfTheSameCallIdIsIgnored() throws Exception {
        FakeUserAgent ep = endpoints.get(2);
        Request first = registerRequest(ep, 201, "tenant-c.example", 3600);
        assertThat(sendWithAuth(ep, first, 201).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        long cseqBefore = ((Number) row("201", "tenant-c.example").get("cseq")).longValue();

        Request refresh = inSameRegistration(ep, first, cseqBefore + 5);
        assertThat(sendWithAuth(ep, refresh, 201).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ((Number) row("201", "tenant-c.example").get("cseq")).longValue() > cseqBefore);
        long refreshedCseq = ((Number) row("201", "tenant-c.example").get("cseq")).longValue();

        // an older CSeq of the same Call-ID (a late retransmission path) changes nothing
        Request older = inSameRegistration(ep, first, cseqBefore + 2);
        ((ExpiresHeader) older.getHeader(ExpiresHeader.NAME)).setExpires(0);
        assertThat(sendWithAuth(ep, older, 201).getStatusCode()).isEqualTo(200);
        assertThat(register(ep, 202, "tenant-c.example", 3600).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 2);
        assertThat(((Number) row("201", "tenant-c.example").get("cseq")).longValue()).isEqualTo(refreshedCseq);
    }

    @Test
    void aSilentFirstBoxFailsOverToTheNextAndTheAuthenticatedRetryStaysPinned() throws Exception {
        FakeUserAgent ep = endpoints.get(0);
        Request register = registerRequest(ep, 201, "tenant-d.example", 3600);
        // a Call-ID that hashes to the first box of the set (the silent one): the failover is exercised
        String callId = "failover-0@" + ep.host();
        for (int i = 1; Math.floorMod(callId.hashCode(), 2) != 0; i++) {
            callId = "failover-" + i + "@" + ep.host();
        }
        register.setHeader(ep.headers().createCallIdHeader(callId));
        Response ok = sendWithAuth(ep, register, 201);
        assertThat(ok.getStatusCode()).isEqualTo(200);
        FakeAsterisk live = asterisks.get("tenant-d.example");
        // both the first REGISTER and the authenticated retry carry the same Call-ID and reached the live box
        assertThat(live.registers()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(deadBox.registers()).extracting(FakeUserAgent::callId).contains(callId);
        assertThat(FakeUserAgent.callId(live.registers().get(0))).isEqualTo(FakeUserAgent.callId(last(live.registers())));
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        assertThat(row("201", "tenant-d.example").get("pbx")).isEqualTo(live.uri());
    }

    @Test
    void bindingsSurviveARestartOfSipFlow() throws Exception {
        FakeUserAgent ep = endpoints.get(1);
        assertThat(register(ep, 203, "tenant-b.example", 3600).getStatusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
        proxy.close();
        proxy = startSipFlow("rewrite");
        LocationBean location = proxy.application().context().getRegistry().lookupByNameAndType("location", LocationBean.class);
        assertThat(location.store().lookup("203", "tenant-b.example")).extracting(Binding::received)
                .containsExactly("sip:" + ep.host() + ":" + ep.port());
    }

    @Test
    void pathModeAddsAPathAndLeavesTheContactAlone() throws Exception {
        proxy.close();
        proxy = startSipFlow("path");
        FakeUserAgent ep = endpoints.get(2);
        assertThat(register(ep, 204, "tenant-c.example", 3600).getStatusCode()).isEqualTo(200);
        Request atAsterisk = last(asterisks.get("tenant-c.example").registers());
        assertThat(atAsterisk.getHeader("Path").toString()).contains("127.0.0.1:" + proxy.port()).contains("lr");
        assertThat(((ContactHeader) atAsterisk.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                .isEqualTo("sip:204@" + ep.host() + ":" + ep.port());
        await().atMost(Duration.ofSeconds(10)).until(() -> rowCount() == 1);
    }

    @Test
    void unknownDomainAbsurdExpiresAndMalformedContactAreRefusedAndNotForwarded() throws Exception {
        FakeUserAgent ep = endpoints.get(0);
        int before = asterisks.values().stream().mapToInt(a -> a.registers().size()).sum();
        Request unknown = registerRequest(ep, 201, "nobody.example", 3600);
        ep.send(unknown, proxy.uri());
        ep.awaitResponse(unknown, 403);

        Request absurd = registerRequest(ep, 201, "tenant-a.example", 3600);
        ((ExpiresHeader) absurd.getHeader(ExpiresHeader.NAME)).setExpires(999_999_999);
        ep.send(absurd, proxy.uri());
        ep.awaitResponse(absurd, 400);

        assertThat(asterisks.values().stream().mapToInt(a -> a.registers().size()).sum()).isEqualTo(before);
    }

    // ---------------------------------------------------------------------------------------------

    private Request registerRequest(FakeUserAgent ep, int ext, String domain, int expires) throws Exception {
        return Registrations.registerRequest(ep, ext, domain, expires);
    }

    /** REGISTER, answer the 401 with the right digest, return the final answer. */
    private Response register(FakeUserAgent ep, int ext, String domain, int expires) throws Exception {
        return Registrations.register(ep, proxy.uri(), ext, domain, expires, PASSWORD);
    }

    private Response sendWithAuth(FakeUserAgent ep, Request register, int ext) throws Exception {
        return Registrations.send(ep, proxy.uri(), register, PASSWORD);
    }

    /** A new REGISTER of the same registration (same Call-ID) with the given CSeq. */
    private Request inSameRegistration(FakeUserAgent ep, Request first, long cseq) throws Exception {
        Request r = (Request) first.clone();
        r.setHeader(ep.headers().createCSeqHeader(cseq, Request.REGISTER));
        r.removeHeader(ViaHeader.NAME);
        r.addHeader(ep.headers().createViaHeader(ep.host(), ep.port(), "udp", null));
        r.removeHeader("Route");
        r.removeHeader(AuthorizationHeader.NAME);
        return r;
    }

    private int rowCount() throws Exception {
        return rowCount("SELECT COUNT(*) FROM location");
    }

    private int rowCount(String sql) throws Exception {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private Map<String, Object> row(String user, String domain) throws Exception {
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT contact, received, expires, callid, cseq, user_agent, "
                        + "socket, pbx FROM location WHERE username = ? AND domain = ?")) {
            ps.setString(1, user);
            ps.setString(2, domain);
            try (ResultSet rs = ps.executeQuery()) {
                Map<String, Object> row = new LinkedHashMap<>();
                if (rs.next()) {
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    assertThat(rs.next()).as("one row per AoR in these tests").isFalse();
                }
                return row;
            }
        }
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }
}
