package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcForwardingPersistence;
import io.sipflow.module.db.JdbcTenantPersistence;
import io.sipflow.module.db.SchemaInstaller;
import io.sipflow.module.forwarding.SecondaryRegistrar;
import io.sipflow.module.forwarding.SecondaryUser;
import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.TenantDomain;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeSecondaryRegistrar;
import io.sipflow.testsupport.FakeSecondaryRegistrar.Received;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestMariaDb;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.sip.RequestEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * Secondary registration forwarding (seed 004) end to end over real sockets: an endpoint registers
 * through SipFlow with an emulated Asterisk (401 + digest), and SipFlow registers the user at an
 * emulated secondary registrar that really checks digest credentials (qop=auth), with its state in
 * a real MariaDB.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardingFlowTest {

    private static final String TENANT = "fwd-a.example";
    private static final String WRONG_TENANT = "fwd-b.example";
    private static final String SECONDARY_DOMAIN = "genesys.example";
    private static final String PHONE_PASSWORD = "phone-secret";
    private static final String SECONDARY_PASSWORD = "genesys-secret";
    private static final Duration WAIT = Duration.ofSeconds(15);

    private String dbUrl;
    private Database database;
    private FakeAsterisk asterisk;
    private FakeSecondaryRegistrar secondary;
    private FakeSecondaryRegistrar otherSecondary;
    private FakeUserAgent phone;
    private SipFlowTestApp proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startPeers() throws Exception {
        dbUrl = TestMariaDb.newDatabaseUrl();
        database = Database.connect(dbUrl, "root", "");
        new SchemaInstaller(database.dataSource()).install();
        asterisk = new FakeAsterisk("127.0.0.41").start();
        for (int ext = 300; ext < 330; ext++) {
            asterisk.user(Integer.toString(ext), PHONE_PASSWORD);
        }
        secondary = new FakeSecondaryRegistrar("127.0.0.42").start();
        otherSecondary = new FakeSecondaryRegistrar("127.0.0.44").start();
        phone = new FakeUserAgent("127.0.0.43").start();
        phone.answer(Request.INVITE, 180, 200).answer(Request.BYE, 200);
        JdbcTenantPersistence tenants = new JdbcTenantPersistence(database.dataSource());
        tenants.saveDomain(new TenantDomain(TENANT, 1, null));
        tenants.saveDomain(new TenantDomain(WRONG_TENANT, 2, null));
        tenants.addDispatcher(new DispatcherEntry(0, 1, asterisk.uri(), null, 0, 0, 1, 0, null, "asterisk a"));
        tenants.addDispatcher(new DispatcherEntry(0, 2, asterisk.uri(), null, 0, 0, 1, 0, null, "asterisk b"));
        JdbcForwardingPersistence forwarding = new JdbcForwardingPersistence(database.dataSource());
        forwarding.saveRegistrar(new SecondaryRegistrar(TENANT, secondary.uri(), 0, SECONDARY_DOMAIN, null,
                SECONDARY_PASSWORD, null, true));
        forwarding.saveRegistrar(new SecondaryRegistrar(WRONG_TENANT, otherSecondary.uri(), 0, SECONDARY_DOMAIN, null,
                "not-the-password", null, true));
        // 329 is known at the secondary as DN 7329, with credentials of its own
        forwarding.saveUser(new SecondaryUser(TENANT, "329", "7329", "agent-7329", "dn-secret"));
    }

    @AfterAll
    void stopPeers() {
        phone.close();
        secondary.close();
        otherSecondary.close();
        asterisk.close();
        database.close();
    }

    @BeforeEach
    void startProxy() throws Exception {
        try (Connection c = database.dataSource().getConnection()) {
            c.createStatement().executeUpdate("DELETE FROM location");
            c.createStatement().executeUpdate("DELETE FROM secondary_registration");
        }
        asterisk.grantedExpires(300);
        for (FakeSecondaryRegistrar s : List.of(secondary, otherSecondary)) {
            s.reset();
            for (int ext = 300; ext < 330; ext++) {
                s.user(Integer.toString(ext), SECONDARY_PASSWORD);
            }
        }
        secondary.user("agent-7329", "dn-secret");
        proxy = startSipFlow();
    }

    private SipFlowTestApp startSipFlow() throws Exception {
        return sipFlow().start();
    }

    private SipFlowTestApp sipFlow() {
        return new SipFlowTestApp()
                .with("sipflow.db.url", dbUrl)
                .with("sipflow.location.flush-interval", "100ms")
                .with("sipflow.location.expiry-interval", "200ms")
                .with("sipflow.dispatcher.probe-interval", "1h")
                .with("sipflow.forwarding.timeout", "1s")
                .with("sipflow.forwarding.retry-min", "700ms")
                .with("sipflow.forwarding.retry-max", "3s")
                .with("sipflow.forwarding.tick-interval", "100ms")
                .with("sipflow.forwarding.flush-interval", "100ms");
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void afterAsteriskAcceptsTheSecondaryChallengesAndTheAuthenticatedRetryIsAccepted() throws Exception {
        assertThat(register(301, TENANT, 3600).getStatusCode()).isEqualTo(200);

        await().atMost(WAIT).until(() -> secondary.holds("301@" + SECONDARY_DOMAIN));
        List<Received> sent = secondary.received("301@" + SECONDARY_DOMAIN);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).authorized()).isFalse();
        assertThat(sent.get(0).answeredWith()).isEqualTo(401);
        assertThat(sent.get(1).authorized()).isTrue();
        assertThat(sent.get(1).answeredWith()).isEqualTo(200);
        assertThat(sent.get(1).callId()).isEqualTo(sent.get(0).callId());
        assertThat(sent.get(1).cseq()).isGreaterThan(sent.get(0).cseq());
        // Contact = SipFlow, with the endpoint's own user part; expiry = what Asterisk granted (300 s)
        assertThat(sent.get(1).contact()).isEqualTo("sip:301@" + proxy.host() + ":" + proxy.port());
        assertThat(sent.get(1).expires()).isBetween(295, 300);
        await().atMost(WAIT).until(() -> "registered".equals(stateRow(TENANT, "301")[0]));
        assertThat(get("/admin/forwarding?aor=301@" + TENANT)).contains("\"state\":\"REGISTERED\"")
                .contains("\"secondaryUsername\":\"301\"").doesNotContain(SECONDARY_PASSWORD);
        assertThat(get("/admin/forwarding/summary")).contains("\"" + TENANT + "\":{\"REGISTERED\":1}");
        // metrics per tenant and state, and every state change as a registration event
        await().atMost(WAIT).until(() -> metrics().contains(
                "forwarding_registrations{state=\"registered\",tenant=\"" + TENANT + "\"} 1.0"));
        await().atMost(WAIT).until(() -> forwardingEvents("301@" + TENANT).size() >= 2);
        assertThat(forwardingEvents("301@" + TENANT)).containsExactly("unregistered->registering", "registering->registered");
    }

    @Test
    void aMappedUserRegistersAsItsDnWithItsOwnCredentials() throws Exception {
        assertThat(register(329, TENANT, 3600).getStatusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> secondary.holds("7329@" + SECONDARY_DOMAIN));
        assertThat(secondary.registrations().get("7329@" + SECONDARY_DOMAIN).contact())
                .isEqualTo("sip:329@" + proxy.host() + ":" + proxy.port());
    }

    @Test
    void aWrongPasswordEndsFailedAndIsRetriedWithGrowingDelaysNotInATightLoop() throws Exception {
        assertThat(register(302, WRONG_TENANT, 3600).getStatusCode()).isEqualTo(200);
        String aor = "302@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> "failed".equals(stateRow(WRONG_TENANT, "302")[0]));
        assertThat(stateRow(WRONG_TENANT, "302")[2]).isEqualTo("credentials refused");
        // the endpoint refreshes during the backoff: that must not start an attempt early
        assertThat(register(302, WRONG_TENANT, 3600).getStatusCode()).isEqualTo(200);
        // each attempt: a REGISTER, its challenge, the refused answer (401 again)
        await().atMost(WAIT).until(() -> attemptStarts(otherSecondary.received(aor)).size() >= 3);
        List<Long> starts = attemptStarts(otherSecondary.received(aor));
        assertThat(starts.get(1) - starts.get(0)).isGreaterThanOrEqualTo(650);   // retry-min 700 ms
        assertThat(starts.get(2) - starts.get(1)).isGreaterThanOrEqualTo(1_300); // doubled
        assertThat(otherSecondary.received(aor)).allMatch(r -> r.answeredWith() == 401);
        assertThat(otherSecondary.holds(aor)).isFalse();
        // the third attempt may still be in flight ("registering") when its REGISTER is seen: it ends failed
        // again, and the next attempt is 2.8 s away
        await().atMost(WAIT).until(() -> "failed".equals(stateRow(WRONG_TENANT, "302")[0]));
        assertThat(otherSecondary.holds(aor)).isFalse();
    }

    @Test
    void anEndpointRefreshRefreshesTheSecondaryWithTheSameCallIdAndAHigherCSeq() throws Exception {
        register(303, TENANT, 3600);
        String aor = "303@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        FakeSecondaryRegistrar.Registration first = secondary.registrations().get(aor);
        register(303, TENANT, 3600);
        await().atMost(WAIT).until(() -> secondary.registrations().get(aor).cseq() > first.cseq());
        FakeSecondaryRegistrar.Registration second = secondary.registrations().get(aor);
        assertThat(second.callId()).isEqualTo(first.callId());
        // the cached challenge is answered at once: one REGISTER per refresh, no new 401 round trip
        List<Received> sent = secondary.received(aor);
        assertThat(sent.get(sent.size() - 1).authorized()).isTrue();
        assertThat(sent.get(sent.size() - 1).answeredWith()).isEqualTo(200);
        assertThat(sent).extracting(Received::callId).containsOnly(first.callId());
        assertThat(sent).extracting(Received::cseq).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void withRefreshWhenDueEndpointRefreshesAreNotMirroredAndTheTimerKeepsTheSecondaryRegistered() throws Exception {
        proxy.close();
        proxy = sipFlow().with("sipflow.forwarding.refresh", "when-due").start();
        secondary.maxExpires(3); // held 3 s there: SipFlow's timer refreshes it after half of that
        register(316, TENANT, 3600);
        String aor = "316@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        assertThat(secondary.received(aor)).extracting(Received::answeredWith).containsExactly(401, 200);
        long firstCseq = secondary.registrations().get(aor).cseq();
        // three endpoint refreshes while the secondary's registration is not due: none reaches it
        for (int i = 0; i < 3; i++) {
            assertThat(register(316, TENANT, 3600).getStatusCode()).isEqualTo(200);
        }
        // the next REGISTER there is the timer's (every-register would have sent three before it)
        await().atMost(WAIT).until(() -> secondary.registrations().get(aor).cseq() > firstCseq);
        assertThat(secondary.received(aor)).extracting(Received::answeredWith).containsExactly(401, 200, 200);
        assertThat(secondary.registrations().get(aor).cseq()).isEqualTo(firstCseq + 1);
        assertThat(secondary.holds(aor)).isTrue();
        // a de-registration still reaches it at once
        assertThat(register(316, TENANT, 0).getStatusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !secondary.registrations().containsKey(aor));
        List<Received> sent = secondary.received(aor);
        assertThat(sent.get(sent.size() - 1).expires()).isZero();
    }

    @Test
    void whenTheSecondaryGrantsLessThanTheEndpointHoldsSipFlowRefreshesOnItsOwn() throws Exception {
        secondary.maxExpires(2); // the endpoint's binding lasts 300 s, the secondary keeps it 2 s
        register(315, TENANT, 3600);
        String aor = "315@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        long firstCseq = secondary.registrations().get(aor).cseq();
        // no endpoint REGISTER from here on: refreshes come from SipFlow's timer, before each expiry
        await().atMost(WAIT).until(() -> secondary.registrations().get(aor).cseq() >= firstCseq + 2);
        assertThat(secondary.holds(aor)).isTrue();
        assertThat(secondary.received(aor)).extracting(Received::callId).containsOnly(secondary.registrations().get(aor).callId());
        assertThat(secondary.received(aor).get(secondary.received(aor).size() - 1).answeredWith()).isEqualTo(200);
    }

    @Test
    void aStaleNonceIsAnsweredAgainWithTheFreshOne() throws Exception {
        register(304, TENANT, 3600);
        String aor = "304@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        long cseq = secondary.registrations().get(aor).cseq();
        secondary.staleAllNonces();
        register(304, TENANT, 3600);
        await().atMost(WAIT).until(() -> secondary.registrations().get(aor).cseq() > cseq);
        List<Received> sent = secondary.received(aor);
        assertThat(sent.get(sent.size() - 2).answeredWith()).isEqualTo(401); // stale=true
        assertThat(sent.get(sent.size() - 1).answeredWith()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "registered".equals(stateRow(TENANT, "304")[0]));
    }

    @Test
    void intervalTooBriefIsHonouredWithTheMinExpiresAsked() throws Exception {
        secondary.minExpires(900);
        register(305, TENANT, 3600); // Asterisk grants 300
        String aor = "305@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        List<Received> sent = secondary.received(aor);
        assertThat(sent).extracting(Received::answeredWith).contains(423);
        assertThat(sent.get(sent.size() - 1).expires()).isEqualTo(900);
    }

    @Test
    void anEndpointDeRegistrationDeRegistersAtTheSecondary() throws Exception {
        register(306, TENANT, 3600);
        String aor = "306@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        assertThat(register(306, TENANT, 0).getStatusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !secondary.registrations().containsKey(aor));
        List<Received> sent = secondary.received(aor);
        assertThat(sent.get(sent.size() - 1).expires()).isZero();
        assertThat(sent.get(sent.size() - 1).answeredWith()).isEqualTo(200);
        await().atMost(WAIT).until(() -> "unregistered".equals(stateRow(TENANT, "306")[0]));
    }

    @Test
    void aBindingThatExpiresIsDeRegisteredAtTheSecondary() throws Exception {
        asterisk.grantedExpires(3);
        register(307, TENANT, 3600);
        String aor = "307@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        // nobody refreshes: the binding runs out, then SipFlow removes the user from the secondary
        await().atMost(WAIT).until(() -> !secondary.registrations().containsKey(aor));
        List<Received> sent = secondary.received(aor);
        assertThat(sent.get(sent.size() - 1).expires()).isZero();
        await().atMost(WAIT).until(() -> "unregistered".equals(stateRow(TENANT, "307")[0]));
    }

    @Test
    void aSecondaryThatIsDownIsRetriedAndRecoversWhenItComesBack() throws Exception {
        secondary.down();
        assertThat(register(308, TENANT, 3600).getStatusCode()).isEqualTo(200); // the endpoint is not held up
        String aor = "308@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> "failed".equals(stateRow(TENANT, "308")[0]));
        assertThat(stateRow(TENANT, "308")[1]).isEqualTo("408");
        secondary.up();
        await().atMost(WAIT).until(() -> secondary.holds(aor));
        await().atMost(WAIT).until(() -> "registered".equals(stateRow(TENANT, "308")[0]));
    }

    @Test
    void aRegisterAsteriskRefusesIsNeverForwarded() throws Exception {
        // wrong phone password: Asterisk answers 403 to the authenticated retry
        Response refused = Registrations.register(phone, proxy.uri(), 309, TENANT, 3600, "wrong");
        assertThat(refused.getStatusCode()).isEqualTo(403);
        // a later accepted REGISTER is forwarded; the forwarding thread handles work in order, so
        // had the refused one been handed over, it would have reached the secondary first
        register(310, TENANT, 3600);
        await().atMost(WAIT).until(() -> secondary.holds("310@" + SECONDARY_DOMAIN));
        assertThat(secondary.received("309@" + SECONDARY_DOMAIN)).isEmpty();
        assertThat(stateRow(TENANT, "309")).isNull();
    }

    @Test
    void anInviteFromTheSecondaryReachesTheEndpoint() throws Exception {
        register(311, TENANT, 3600);
        await().atMost(WAIT).until(() -> secondary.holds("311@" + SECONDARY_DOMAIN));
        String contact = secondary.registrations().get("311@" + SECONDARY_DOMAIN).contact();
        FakeUserAgent genesys = secondary.agent();
        Request invite = genesys.newRequest(Request.INVITE, contact, "sip:311@" + SECONDARY_DOMAIN, "agent");
        genesys.send(invite, proxy.uri());
        RequestEvent atPhone = phone.awaitRequest(Request.INVITE, FakeUserAgent.callId(invite));
        assertThat(atPhone.getRequest().getRequestURI().toString()).contains("311@" + phone.host());
        Response ok = genesys.awaitResponse(invite, 200);
        genesys.sendAck(ok, invite);
        genesys.sendInDialog(genesys.inDialog(ok, invite, Request.BYE, 2));
        // its CDR says where the call came from
        try (var consumer = io.sipflow.testsupport.TestKafka.consumer(io.sipflow.testsupport.TestKafka.shared().bootstrapServers(),
                proxy.property("sipflow.events.kafka.topic-cdr"))) {
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> records = new java.util.ArrayList<>();
            await().atMost(WAIT).until(() -> {
                io.sipflow.testsupport.TestKafka.pollInto(consumer, records);
                return !records.isEmpty();
            });
            var cdr = io.sipflow.module.events.EventJson.read(records.get(0).value());
            assertThat(cdr.get("direction").asText()).isEqualTo("secondary_to_endpoint");
            assertThat(cdr.get("tenant").asText()).isEqualTo(TENANT);
            assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        }
    }

    @Test
    void aRestartResumesTheRegistrationWithTheSameCallIdAndNoDuplicate() throws Exception {
        register(312, TENANT, 3600);
        String aor = "312@" + SECONDARY_DOMAIN;
        await().atMost(WAIT).until(() -> "registered".equals(stateRow(TENANT, "312")[0]));
        FakeSecondaryRegistrar.Registration before = secondary.registrations().get(aor);
        int sentBefore = secondary.received(aor).size();

        proxy.close();
        proxy = startSipFlow();
        await().atMost(WAIT).until(() -> get("/admin/forwarding?aor=312@" + TENANT).contains("REGISTERED"));
        // resumed from the database: nothing sent just because SipFlow restarted
        assertThat(secondary.received(aor)).hasSize(sentBefore);

        register(312, TENANT, 3600);
        await().atMost(WAIT).until(() -> secondary.registrations().get(aor).cseq() > before.cseq());
        assertThat(secondary.registrations().get(aor).callId()).isEqualTo(before.callId());
        assertThat(secondary.received(aor)).extracting(Received::answeredWith).doesNotContain(500);
    }

    @Test
    void theCliProvisionsATenantsSecondaryAndShowsItsStateWithoutThePassword() throws Exception {
        JdbcTenantPersistence tenants = new JdbcTenantPersistence(database.dataSource());
        tenants.saveDomain(new TenantDomain("fwd-c.example", 3, null));
        tenants.addDispatcher(new DispatcherEntry(0, 3, asterisk.uri(), null, 0, 0, 1, 0, null, "asterisk c"));
        try (FakeSecondaryRegistrar third = new FakeSecondaryRegistrar("127.0.0.45").start()) {
            third.user("shared-agent", "cli-secret");
            String[] db = {"-Dsipflow.db.url=" + dbUrl, "-Dsipflow.http.port=" + proxy.httpPort()};
            assertThat(cli("forwarding", "set", "fwd-c.example", "--registrar", third.uri(), "--secondary-domain",
                    SECONDARY_DOMAIN, "--auth-user", "shared-agent", "--password", "cli-secret", "--expires", "600", db[0],
                    db[1])).isZero();
            String list = cliOutput("forwarding", "list", db[0]);
            assertThat(list).contains("fwd-c.example -> " + third.uri()).contains("password=****")
                    .doesNotContain("cli-secret");

            assertThat(register(313, "fwd-c.example", 3600).getStatusCode()).isEqualTo(200);
            await().atMost(WAIT).until(() -> third.holds("313@" + SECONDARY_DOMAIN));
            assertThat(third.received("313@" + SECONDARY_DOMAIN).get(1).expires()).isEqualTo(600); // the tenant's policy
            await().atMost(WAIT).until(() -> cliOutput("forwarding", "status", "--aor", "313@fwd-c.example", db[1])
                    .contains("\"state\":\"REGISTERED\""));
        } finally {
            try (Connection c = database.dataSource().getConnection()) {
                c.createStatement().executeUpdate("DELETE FROM secondary_registrar WHERE domain = 'fwd-c.example'");
                c.createStatement().executeUpdate("DELETE FROM domain WHERE domain = 'fwd-c.example'");
            }
        }
    }

    @Test
    void aDispatcherSetOfSecondariesIsUsedAndItsAddressCallsLikeAPbx() throws Exception {
        JdbcTenantPersistence tenants = new JdbcTenantPersistence(database.dataSource());
        try (FakeSecondaryRegistrar inSet = new FakeSecondaryRegistrar("127.0.0.46").start()) {
            inSet.user("314", SECONDARY_PASSWORD);
            tenants.saveDomain(new TenantDomain("fwd-d.example", 4, null));
            tenants.addDispatcher(new DispatcherEntry(0, 4, asterisk.uri(), null, 0, 0, 1, 0, null, "asterisk d"));
            tenants.addDispatcher(new DispatcherEntry(0, 9, inSet.uri(), null, 0, 0, 1, 0, null, "secondary set"));
            new JdbcForwardingPersistence(database.dataSource()).saveRegistrar(new SecondaryRegistrar("fwd-d.example", null, 9,
                    SECONDARY_DOMAIN, null, SECONDARY_PASSWORD, null, true));
            assertThat(cli("reload", "-Dsipflow.http.port=" + proxy.httpPort())).isZero();

            register(314, "fwd-d.example", 3600);
            await().atMost(WAIT).until(() -> inSet.holds("314@" + SECONDARY_DOMAIN));
            Request invite = inSet.agent().newRequest(Request.INVITE, "sip:314@" + proxy.host() + ":" + proxy.port(),
                    "sip:314@" + SECONDARY_DOMAIN, "agent");
            inSet.agent().send(invite, proxy.uri());
            assertThat(phone.awaitRequest(Request.INVITE, FakeUserAgent.callId(invite))).isNotNull();
            assertThat(inSet.agent().awaitResponse(invite, 200).getStatusCode()).isEqualTo(200);
        } finally {
            try (Connection c = database.dataSource().getConnection()) {
                c.createStatement().executeUpdate("DELETE FROM secondary_registrar WHERE domain = 'fwd-d.example'");
                c.createStatement().executeUpdate("DELETE FROM domain WHERE domain = 'fwd-d.example'");
                c.createStatement().executeUpdate("DELETE FROM dispatcher WHERE setid IN (4, 9)");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static int cli(String... args) {
        return new CommandLine(new SipFlow()).execute(args);
    }

    private static String cliOutput(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(cli(args)).isZero();
        } finally {
            System.setOut(previous);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Response register(int ext, String domain, int expires) throws Exception {
        return Registrations.register(phone, proxy.uri(), ext, domain, expires, PHONE_PASSWORD);
    }

    /** Receive times of the REGISTERs that started an attempt (sent without credentials). */
    private static List<Long> attemptStarts(List<Received> received) {
        return received.stream().filter(r -> !r.authorized()).map(Received::atMs).toList();
    }

    /** {state, last_code, last_reason} of the stored secondary registration, or null. */
    private String[] stateRow(String domain, String user) throws Exception {
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT state, last_code, last_reason FROM secondary_registration WHERE domain = ? AND username = ?")) {
            ps.setString(1, domain);
            ps.setString(2, user);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2), rs.getString(3)} : null;
            }
        }
    }

    /** {@code previous->state} of the forwarding_state events of an AoR, in order. */
    private List<String> forwardingEvents(String aor) throws Exception {
        List<String> events = new java.util.ArrayList<>();
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT previous_state, state FROM registration_events"
                        + " WHERE event = 'forwarding_state' AND aor = ? ORDER BY time, id")) {
            ps.setString(1, aor);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(rs.getString(1) + "->" + rs.getString(2));
                }
            }
        }
        return events;
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(proxy.managementBase() + "/observe/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.httpBase() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
