package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tenant-aware routing between emulated Asterisks and endpoints registered through SipFlow: three
 * tenants with the same extensions, each Asterisk on its own 127.0.0.x address; a PBX's request
 * reaches only its own tenant's endpoint; unknown extension 404, unknown source 403, ambiguity
 * refused; endpoint calls reach their tenant's PBX; NATed endpoints are reached at their source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingFlowTest {

    private static final String PASSWORD = "pw";
    private static final String[] TENANTS = {"tenant-a.example", "tenant-b.example", "tenant-c.example"};

    private final List<FakeAsterisk> pbxs = new ArrayList<>();
    private final List<FakeUserAgent> phones = new ArrayList<>();
    private FakeAsterisk sharedPbx;
    private FakeUserAgent stranger;
    private FakeUserAgent nattedPhone;
    private SipFlowTestApp proxy;

    @BeforeAll
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            FakeAsterisk pbx = new FakeAsterisk("127.0.0." + (51 + i)).start();
            for (int ext = 201; ext <= 205; ext++) {
                pbx.user(Integer.toString(ext), PASSWORD);
            }
            pbx.agent().answer(Request.INVITE, 180, 200).answer(Request.BYE, 200);
            pbxs.add(pbx);
            FakeUserAgent phone = new FakeUserAgent("127.0.0." + (61 + i)).start();
            phone.answer(Request.INVITE, 200).answer(Request.BYE, 200).answer(Request.OPTIONS, 200)
                    .answer(Request.NOTIFY, 200).answer(Request.MESSAGE, 200).answer(Request.SUBSCRIBE, 200)
                    .answer(Request.INFO, 200);
            phones.add(phone);
        }
        // one address serving two tenants (sets 8 and 9): nothing in a plain request tells them apart
        sharedPbx = new FakeAsterisk("127.0.0.56").start();
        stranger = new FakeUserAgent("127.0.0.66").start();
        nattedPhone = new FakeUserAgent("127.0.0.67").start();
        nattedPhone.answer(Request.OPTIONS, 200).answer(Request.NOTIFY, 200);
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.location.flush-interval", "100ms");
        for (int i = 0; i < 3; i++) {
            app.tenant(TENANTS[i], i + 1, pbxs.get(i).uri());
        }
        app.tenant("tenant-x.example", 8, sharedPbx.uri()).tenant("tenant-y.example", 9, "sip:127.0.0.56:5999");
        proxy = app.start();
        for (int i = 0; i < 3; i++) {
            for (int ext = 201; ext <= 205; ext++) {
                Response ok = Registrations.register(phones.get(i), proxy.uri(), ext, TENANTS[i], 3600, PASSWORD);
                assertThat(ok.getStatusCode()).isEqualTo(200);
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        proxy.close();
        pbxs.forEach(FakeAsterisk::close);
        phones.forEach(FakeUserAgent::close);
        sharedPbx.close();
        stranger.close();
        nattedPhone.close();
    }

    @Test
    void anInviteFromEachAsteriskReachesOnlyItsOwnTenantsExtension() throws Exception {
        for (int i = 0; i < 3; i++) {
            FakeUserAgent pbx = pbxs.get(i).agent();
            Request invite = pbx.newRequest(Request.INVITE, "sip:201@" + proxy.host() + ":" + proxy.port(),
                    "sip:201@" + proxy.host(), "asterisk");
            pbx.send(invite, proxy.uri());
            assertThat(Registrations.finalFor(pbx, invite).getStatusCode()).isEqualTo(200);
            String callId = FakeUserAgent.callId(invite);
            for (int j = 0; j < 3; j++) {
                RequestEvent seen = phones.get(j).findRequest(Request.INVITE, callId);
                if (j == i) {
                    assertThat(seen).isNotNull();
                    assertThat(seen.getRequest().getRequestURI().toString())
                            .isEqualTo("sip:201@" + phones.get(i).host() + ":" + phones.get(i).port());
                } else {
                    assertThat(seen).as("tenant %s's 201 must not get tenant %s's call", TENANTS[j], TENANTS[i]).isNull();
                }
            }
        }
    }

    @Test
    void aThousandRandomCallsAcrossTenantsHaveNoMisroute() throws Exception {
        Random random = new Random(4475);
        Map<String, Integer> expectedPhone = new HashMap<>();
        Map<String, String> expectedUser = new HashMap<>();
        List<Request> invites = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            int tenant = random.nextInt(3);
            int ext = 201 + random.nextInt(5);
            FakeUserAgent pbx = pbxs.get(tenant).agent();
            String ruri = n % 2 == 0 ? "sip:" + ext + "@" + proxy.host() + ":" + proxy.port() : contactAtPbx(tenant, ext);
            Request invite = pbx.newRequest(Request.INVITE, ruri, "sip:" + ext + "@" + proxy.host(), "asterisk");
            expectedPhone.put(FakeUserAgent.callId(invite), tenant);
            expectedUser.put(FakeUserAgent.callId(invite), Integer.toString(ext));
            invites.add(invite);
            pbx.send(invite, proxy.uri());
            if (invites.size() % 100 == 0) {
                awaitAnswered(invites.subList(invites.size() - 100, invites.size()));
            }
        }
        int misroutes = 0;
        for (int j = 0; j < 3; j++) {
            for (RequestEvent e : phones.get(j).requests()) {
                String callId = FakeUserAgent.callId(e.getRequest());
                Integer want = expectedPhone.get(callId);
                if (want == null || !e.getRequest().getMethod().equals(Request.INVITE)) {
                    continue;
                }
                String user = ((SipURI) e.getRequest().getRequestURI()).getUser();
                if (want != j || !user.equals(expectedUser.get(callId))) {
                    misroutes++;
                }
            }
        }
        assertThat(misroutes).isZero();
    }

    @Test
    void messageSubscribeAndInfoFromAsteriskReachTheRightEndpoint() throws Exception {
        FakeUserAgent pbx = pbxs.get(1).agent();
        for (String method : List.of(Request.MESSAGE, Request.SUBSCRIBE, Request.INFO)) {
            Request request = pbx.newRequest(method, "sip:205@" + proxy.host(), "sip:205@" + proxy.host(), "asterisk");
            if (method.equals(Request.SUBSCRIBE)) {
                request.addHeader(pbx.headers().createHeader("Event", "presence"));
            }
            pbx.send(request, proxy.uri());
            assertThat(Registrations.finalFor(pbx, request).getStatusCode()).as(method).isEqualTo(200);
            assertThat(phones.get(1).findRequest(method, FakeUserAgent.callId(request))).as(method).isNotNull();
            assertThat(phones.get(0).findRequest(method, FakeUserAgent.callId(request))).isNull();
        }
    }

    @Test
    void unknownExtensionIs404AndUnknownSourceIs403() throws Exception {
        FakeUserAgent pbx = pbxs.get(0).agent();
        Request unknown = inviteFromPbx(pbx, "299", proxy);
        assertThat(Registrations.finalFor(pbx, unknown).getStatusCode()).isEqualTo(404);

        Request fromStranger = inviteFromPbx(stranger, "201", proxy);
        assertThat(Registrations.finalFor(stranger, fromStranger).getStatusCode()).isEqualTo(403);
        for (FakeUserAgent phone : phones) {
            assertThat(phone.findRequest(Request.INVITE, FakeUserAgent.callId(fromStranger))).isNull();
        }
    }

    @Test
    void aSourceServingSeveralTenantsWithNothingToTellThemApartIsRefused() throws Exception {
        FakeUserAgent pbx = sharedPbx.agent();
        Request invite = inviteFromPbx(pbx, "201", proxy);
        Response refused = Registrations.finalFor(pbx, invite);
        assertThat(refused.getStatusCode()).isEqualTo(404);
        assertThat(refused.getHeader("Reason").toString()).contains("ambiguous");
    }

    @Test
    void theOptInWildcardRoutesWhenExactlyOneOfTheSourcesTenantsHasTheUser() throws Exception {
        FakeAsterisk shared = new FakeAsterisk("127.0.0.76").start().user("201", PASSWORD);
        FakeUserAgent phone = new FakeUserAgent("127.0.0.77").start();
        phone.answer(Request.INVITE, 200);
        try (SipFlowTestApp wildcard = new SipFlowTestApp().with("sipflow.routing.wildcard-lookup", "true")
                .tenant("tenant-w1.example", 41, shared.uri()).tenant("tenant-w2.example", 42, "sip:127.0.0.76:5999")
                .start()) {
            assertThat(Registrations.register(phone, wildcard.uri(), 201, "tenant-w1.example", 3600, PASSWORD)
                    .getStatusCode()).isEqualTo(200);
            FakeUserAgent pbx = shared.agent();
            Request invite = inviteFromPbx(pbx, "201", wildcard);
            assertThat(Registrations.finalFor(pbx, invite).getStatusCode()).isEqualTo(200);
            Request nobody = inviteFromPbx(pbx, "202", wildcard);
            assertThat(Registrations.finalFor(pbx, nobody).getStatusCode()).isEqualTo(404);
        } finally {
            shared.close();
            phone.close();
        }
    }

    @Test
    void anEndpointCallsItsOwnTenantsAsterisk() throws Exception {
        FakeUserAgent phone = phones.get(1);
        Request invite = phone.newRequest(Request.INVITE, "sip:300@tenant-b.example", "sip:300@tenant-b.example", "201");
        invite.setHeader(phone.headers().createFromHeader(
                phone.addresses().createAddress("sip:201@tenant-b.example"), "from-201"));
        phone.send(invite, proxy.uri());
        Response ok = Registrations.finalFor(phone, invite);
        assertThat(ok.getStatusCode()).isEqualTo(200);
        assertThat(pbxs.get(1).agent().findRequest(Request.INVITE, FakeUserAgent.callId(invite))).isNotNull();
        assertThat(pbxs.get(0).agent().findRequest(Request.INVITE, FakeUserAgent.callId(invite))).isNull();

        // BYE from the endpoint along the Record-Route set reaches the PBX
        phone.sendAck(ok, invite);
        Request bye = phone.inDialog(ok, invite, Request.BYE, 2);
        phone.sendInDialog(bye);
        assertThat(Registrations.finalFor(phone, bye).getStatusCode()).isEqualTo(200);
    }

    @Test
    void optionsAndNotifyFromAsteriskReachAnEndpointBehindNatAtItsSourceAddress() throws Exception {
        pbxs.get(2).user("206", PASSWORD);
        Request register = Registrations.registerRequest(nattedPhone, 206, "tenant-c.example", 3600);
        // the phone believes it is 10.9.9.9:5060 (private address behind a NAT)
        register.setHeader(nattedPhone.headers().createContactHeader(
                nattedPhone.addresses().createAddress("sip:206@10.9.9.9:5060")));
        assertThat(Registrations.send(nattedPhone, proxy.uri(), register, PASSWORD).getStatusCode()).isEqualTo(200);
        FakeUserAgent pbx = pbxs.get(2).agent();
        for (String method : List.of(Request.OPTIONS, Request.NOTIFY)) {
            Request request = pbx.newRequest(method, contactAtPbx(2, 206, nattedPhone.host()), "sip:206@" + proxy.host(), "asterisk");
            if (method.equals(Request.NOTIFY)) {
                request.addHeader(pbx.headers().createHeader("Event", "message-summary"));
                request.addHeader(pbx.headers().createHeader("Subscription-State", "active"));
            }
            pbx.send(request, proxy.uri());
            assertThat(Registrations.finalFor(pbx, request).getStatusCode()).isEqualTo(200);
            RequestEvent atPhone = nattedPhone.awaitRequest(method, FakeUserAgent.callId(request));
            assertThat(atPhone.getRequest().getRequestURI().toString()).isEqualTo("sip:206@10.9.9.9:5060");
        }
    }

    @Test
    void cancelFromAsteriskBeforeAnswerGives487AndReachesTheRingingPhone() throws Exception {
        FakeUserAgent phone = phones.get(0);
        phone.answer(Request.INVITE, 180);
        try {
            FakeUserAgent pbx = pbxs.get(0).agent();
            Request invite = pbx.newRequest(Request.INVITE, "sip:203@" + proxy.host(), "sip:203@" + proxy.host(), "asterisk");
            ClientTransaction tx = pbx.send(invite, proxy.uri());
            pbx.awaitResponse(invite, 180);
            pbx.cancel(tx);
            pbx.awaitResponse(invite, 487);
            phone.awaitRequest(Request.CANCEL, FakeUserAgent.callId(invite));
        } finally {
            phone.answer(Request.INVITE, 200);
        }
    }

    @Test
    void twoContactsOfOneAorAreForkedAndTheFirst200WinsTheOtherIsCancelled() throws Exception {
        pbxs.get(1).user("207", PASSWORD);
        FakeUserAgent slow = new FakeUserAgent("127.0.0.68").start();
        FakeUserAgent fast = new FakeUserAgent("127.0.0.69").start();
        try {
            slow.answer(Request.INVITE, 180);
            fast.answer(Request.INVITE, 180, 200);
            for (FakeUserAgent device : List.of(slow, fast)) {
                assertThat(Registrations.register(device, proxy.uri(), 207, "tenant-b.example", 3600, PASSWORD)
                        .getStatusCode()).isEqualTo(200);
            }
            FakeUserAgent pbx = pbxs.get(1).agent();
            Request invite = inviteFromPbx(pbx, "207", proxy);
            assertThat(Registrations.finalFor(pbx, invite).getStatusCode()).isEqualTo(200);
            String callId = FakeUserAgent.callId(invite);
            slow.awaitRequest(Request.INVITE, callId);
            fast.awaitRequest(Request.INVITE, callId);
            slow.awaitRequest(Request.CANCEL, callId);
        } finally {
            slow.close();
            fast.close();
        }
    }

    @Test
    void anEndpointCallFailsOverWhenTheFirstBoxOfItsSetIsDown() throws Exception {
        FakeAsterisk dead = new FakeAsterisk("127.0.0.57").start().down();
        FakeAsterisk live = new FakeAsterisk("127.0.0.58").start().user("201", PASSWORD);
        FakeUserAgent phone = new FakeUserAgent("127.0.0.70").start();
        live.agent().answer(Request.INVITE, 200);
        try (SipFlowTestApp failoverProxy = new SipFlowTestApp().tenant("tenant-f.example", 11, dead.uri(), live.uri())
                .with("sipflow.dispatcher.failure-threshold", "100").start()) {
            // the live box registers the phone (the dead one is skipped after its timeout)
            assertThat(Registrations.register(phone, failoverProxy.uri(), 201, "tenant-f.example", 3600, PASSWORD)
                    .getStatusCode()).isEqualTo(200);
            Request invite = phone.newRequest(Request.INVITE, "sip:300@tenant-f.example", "sip:300@tenant-f.example", "201");
            invite.setHeader(phone.headers().createFromHeader(phone.addresses().createAddress("sip:201@tenant-f.example"), "f1"));
            // a Call-ID hashing to the dead box (first of the set)
            String callId = "fo-0@" + phone.host();
            for (int i = 1; Math.floorMod(callId.hashCode(), 2) != 0; i++) {
                callId = "fo-" + i + "@" + phone.host();
            }
            invite.setHeader(phone.headers().createCallIdHeader(callId));
            phone.send(invite, failoverProxy.uri());
            assertThat(Registrations.finalFor(phone, invite).getStatusCode()).isEqualTo(200);
            assertThat(dead.agent().findRequest(Request.INVITE, callId)).isNotNull();
            assertThat(live.agent().findRequest(Request.INVITE, callId)).isNotNull();
        } finally {
            dead.close();
            live.close();
            phone.close();
        }
    }

    @Test
    void serialForkingTriesTheContactsOneAfterTheOtherByQ() throws Exception {
        pbxs.get(0).user("208", PASSWORD);
        FakeUserAgent busy = new FakeUserAgent("127.0.0.74").start();
        FakeUserAgent second = new FakeUserAgent("127.0.0.75").start();
        FakeUserAgent last = new FakeUserAgent("127.0.0.78").start();
        try (SipFlowTestApp serialProxy = new SipFlowTestApp().tenant(TENANTS[0], 1, pbxs.get(0).uri())
                .with("sipflow.routing.fork-mode", "serial").start()) {
            busy.answer(Request.INVITE, 486);
            second.answer(Request.INVITE, 200);
            last.answer(Request.INVITE, 200);
            float[] qs = {0.9f, 0.5f, 0.1f};
            FakeUserAgent[] devices = {busy, second, last};
            for (int i = 0; i < 3; i++) {
                Request register = Registrations.registerRequest(devices[i], 208, TENANTS[0], 3600);
                ((ContactHeader) register.getHeader(ContactHeader.NAME)).setQValue(qs[i]);
                assertThat(Registrations.send(devices[i], serialProxy.uri(), register, PASSWORD).getStatusCode()).isEqualTo(200);
            }
            FakeUserAgent pbx = pbxs.get(0).agent();
            Request invite = inviteFromPbx(pbx, "208", serialProxy);
            assertThat(Registrations.finalFor(pbx, invite).getStatusCode()).isEqualTo(200);
            String callId = FakeUserAgent.callId(invite);
            // highest q first (486), then the next (200); the lowest q is never tried
            busy.awaitRequest(Request.INVITE, callId);
            second.awaitRequest(Request.INVITE, callId);
            assertThat(last.findRequest(Request.INVITE, callId)).isNull();
        } finally {
            busy.close();
            second.close();
            last.close();
        }
    }

    @Test
    void aCallFromAsteriskSurvivesReInviteAndIsHungUpByAsterisk() throws Exception {
        FakeUserAgent pbx = pbxs.get(2).agent();
        Request invite = inviteFromPbx(pbx, "202", proxy);
        Response ok = Registrations.finalFor(pbx, invite);
        assertThat(ok.getStatusCode()).isEqualTo(200);
        pbx.sendAck(ok, invite);
        phones.get(2).awaitRequest(Request.ACK, FakeUserAgent.callId(invite));

        Request reInvite = pbx.inDialog(ok, invite, Request.INVITE, 2);
        pbx.sendInDialog(reInvite);
        assertThat(Registrations.finalFor(pbx, reInvite).getStatusCode()).isEqualTo(200);

        Request bye = pbx.inDialog(ok, invite, Request.BYE, 3);
        pbx.sendInDialog(bye);
        assertThat(Registrations.finalFor(pbx, bye).getStatusCode()).isEqualTo(200);
        assertThat(phones.get(2).findRequest(Request.BYE, FakeUserAgent.callId(invite))).isNotNull();
    }

    // ---------------------------------------------------------------------------------------------

    /** A PBX sends {@code INVITE sip:<user>@<SipFlow host>} through {@code app}, as Asterisk does. */
    private static Request inviteFromPbx(FakeUserAgent pbx, String user, SipFlowTestApp app) throws Exception {
        Request invite = pbx.newRequest(Request.INVITE, "sip:" + user + "@" + app.host(), "sip:" + user + "@" + app.host(),
                "asterisk");
        pbx.send(invite, app.uri());
        return invite;
    }

    /** The Contact the tenant's Asterisk stored for this extension (SipFlow's rewritten one). */
    private String contactAtPbx(int tenant, int ext) {
        return contactAtPbx(tenant, ext, phones.get(tenant).host());
    }

    private String contactAtPbx(int tenant, int ext, String phoneHost) {
        List<Request> registers = pbxs.get(tenant).registers();
        for (int k = registers.size() - 1; k >= 0; k--) {
            Request r = registers.get(k);
            ContactHeader c = (ContactHeader) r.getHeader(ContactHeader.NAME);
            String to = r.getHeader("To").toString();
            if (c != null && to.contains("sip:" + ext + "@") && r.getHeader("Authorization") != null
                    && FakeUserAgent.callId(r).contains(phoneHost)) {
                return c.getAddress().getURI().toString();
            }
        }
        throw new IllegalStateException("no REGISTER of " + ext + " from " + phoneHost + " at tenant " + tenant);
    }

    private void awaitAnswered(List<Request> batch) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (Request invite : batch) {
                String callId = FakeUserAgent.callId(invite);
                boolean answered = pbxs.stream().anyMatch(p -> p.agent().responses().stream()
                        .anyMatch(r -> r.getStatusCode() == 200 && callId.equals(FakeUserAgent.callId(r))));
                if (!answered) {
                    return false;
                }
            }
            return true;
        });
    }
}
