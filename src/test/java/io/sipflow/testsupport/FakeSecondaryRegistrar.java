package io.sipflow.testsupport;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * An emulated secondary registrar (Genesys SIP Server style) that really checks digest
 * credentials: every REGISTER without a valid answer for a nonce it issued is challenged
 * (qop="auth", opaque), a wrong password gets 401 again, a correct answer with a nonce made stale by
 * {@link #staleAllNonces()} gets 401 {@code stale=true}. It keeps one registration per AoR and
 * refuses (500) a REGISTER whose CSeq is not above the stored one for the same Call-ID (RFC 3261
 * §10.3 step 7), honours {@link #minExpires} with 423, and can go {@link #down()}.
 */
public final class FakeSecondaryRegistrar implements AutoCloseable {

    public static final String REALM = "genesys";

    /** A REGISTER as received, with what the registrar made of it. */
    public record Received(long atMs, String aor, String callId, long cseq, int expires, boolean authorized,
            String contact, int answeredWith) {
    }

    /** A registration the registrar holds. */
    public record Registration(String callId, long cseq, String contact, long expiresAtMs) {
    }

    private final FakeUserAgent ua;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private final Set<String> nonces = ConcurrentHashMap.newKeySet();
    private final Set<String> staleNonces = ConcurrentHashMap.newKeySet();
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicLong nonceCounter = new AtomicLong();
    private volatile boolean down;
    private volatile int minExpires;
    private volatile int maxExpires = 3600;

    public FakeSecondaryRegistrar(String host) {
        this.ua = new FakeUserAgent(host);
    }

    public FakeSecondaryRegistrar start() throws Exception {
        ua.start();
        ua.respond(Request.REGISTER, this::onRegister);
        return this;
    }

    @Override
    public void close() {
        ua.close();
    }

    public FakeSecondaryRegistrar user(String authUser, String password) {
        passwords.put(authUser, password);
        return this;
    }

    /** Receives but never answers. */
    public FakeSecondaryRegistrar down() {
        down = true;
        return this;
    }

    public FakeSecondaryRegistrar up() {
        down = false;
        return this;
    }

    /** 423 Interval Too Brief below this many seconds (0 = accept any). */
    public FakeSecondaryRegistrar minExpires(int seconds) {
        minExpires = seconds;
        return this;
    }

    /** Grants at most this many seconds. */
    public FakeSecondaryRegistrar maxExpires(int seconds) {
        maxExpires = seconds;
        return this;
    }

    /** Every nonce issued so far is now stale: a correct answer to it gets 401 stale=true. */
    public void staleAllNonces() {
        staleNonces.addAll(nonces);
    }

    public void reset() {
        registrations.clear();
        received.clear();
        passwords.clear();
        down = false;
        minExpires = 0;
        maxExpires = 3600;
    }

    public String uri() {
        return ua.uri();
    }

    public String host() {
        return ua.host();
    }

    public FakeUserAgent agent() {
        return ua;
    }

    /** Held registrations by AoR ({@code user@domain} as in the To). */
    public Map<String, Registration> registrations() {
        return registrations;
    }

    public boolean holds(String aor) {
        Registration r = registrations.get(aor);
        return r != null && r.expiresAtMs() > System.currentTimeMillis();
    }

    /** Every REGISTER received, in order. */
    public List<Received> received() {
        return received;
    }

    public List<Received> received(String aor) {
        return received.stream().filter(r -> r.aor().equals(aor)).toList();
    }

    private List<Response> onRegister(Request request) {
        try {
            SipURI to = (SipURI) ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI();
            String aor = to.getUser() + "@" + to.getHost();
            String callId = FakeUserAgent.callId(request);
            long cseq = ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
            ExpiresHeader eh = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
            ContactHeader ch = (ContactHeader) request.getHeader(ContactHeader.NAME);
            int expires = ch != null && ch.getExpires() >= 0 ? ch.getExpires() : eh == null ? 3600 : eh.getExpires();
            String contact = ch == null ? null : ch.getAddress().getURI().toString();
            AuthorizationHeader auth = (AuthorizationHeader) request.getHeader(AuthorizationHeader.NAME);
            if (down) {
                received.add(new Received(System.currentTimeMillis(), aor, callId, cseq, expires, auth != null, contact, 0));
                return List.of();
            }
            Response response = answer(request, auth, aor, callId, cseq, expires, contact);
            received.add(new Received(System.currentTimeMillis(), aor, callId, cseq, expires, auth != null, contact,
                    response.getStatusCode()));
            return List.of(response);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Response answer(Request request, AuthorizationHeader auth, String aor, String callId, long cseq, int expires,
            String contact) throws Exception {
        if (auth == null || !nonces.contains(auth.getNonce())) {
            return challenge(request, false);
        }
        String password = passwords.get(auth.getUsername());
        if (password == null || !validResponse(auth, password, request.getMethod())) {
            return challenge(request, false);
        }
        if (staleNonces.contains(auth.getNonce())) {
            return challenge(request, true);
        }
        Registration held = registrations.get(aor);
        if (held != null && held.callId().equals(callId) && cseq <= held.cseq()) {
            return ua.newResponse(request, 500); // RFC 3261 §10.3 step 7: out of order
        }
        if (expires > 0 && minExpires > 0 && expires < minExpires) {
            Response r = ua.newResponse(request, 423);
            r.addHeader(ua.headers().createMinExpiresHeader(minExpires));
            return r;
        }
        Response ok = ua.newResponse(request, 200);
        if (expires == 0) {
            registrations.remove(aor);
            return ok;
        }
        int granted = Math.min(expires, maxExpires);
        registrations.put(aor, new Registration(callId, cseq, contact, System.currentTimeMillis() + granted * 1000L));
        ContactHeader c = ua.headers().createContactHeader(ua.addresses().createAddress(contact));
        c.setExpires(granted);
        ok.addHeader(c);
        return ok;
    }

    /** RFC 2617 with qop=auth: MD5(HA1:nonce:nc:cnonce:qop:HA2), computed here independently of SipFlow. */
    private static boolean validResponse(AuthorizationHeader auth, String password, String method) {
        String ha1 = Digest.md5(auth.getUsername() + ":" + auth.getRealm() + ":" + password);
        String ha2 = Digest.md5(method + ":" + auth.getURI());
        String expected = Digest.md5(ha1 + ":" + auth.getNonce() + ":" + String.format("%08x", auth.getNonceCount())
                + ":" + auth.getCNonce() + ":" + auth.getQop() + ":" + ha2);
        return REALM.equals(auth.getRealm()) && "auth".equals(auth.getQop()) && expected.equals(auth.getResponse());
    }

    private Response challenge(Request request, boolean stale) throws Exception {
        String nonce = "g" + ua.host() + "-" + nonceCounter.incrementAndGet();
        nonces.add(nonce);
        Response r = ua.newResponse(request, 401);
        r.addHeader(ua.headers().createHeader("WWW-Authenticate", "Digest realm=\"" + REALM + "\", nonce=\"" + nonce
                + "\", opaque=\"op-" + nonce + "\", qop=\"auth\", algorithm=MD5" + (stale ? ", stale=true" : "")));
        return r;
    }
}
