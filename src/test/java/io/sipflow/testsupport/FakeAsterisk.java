package io.sipflow.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An emulated Asterisk registrar on its own loopback address: challenges every REGISTER with 401,
 * accepts the retry whose digest (for a nonce this box issued) is right, answers 403 otherwise,
 * grants at most {@link #grantedExpires} seconds, and — like a real Asterisk — lists every binding
 * of the AoR in its 2xx, including another device's.
 */
public final class FakeAsterisk implements BeforeEachCallback, AfterEachCallback, AutoCloseable {

    public static final String REALM = "asterisk";
    public static final String OTHER_DEVICE = "sip:other-device@10.99.0.1:5060";

    private final FakeUserAgent ua;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private final Set<String> nonces = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<String, Long>> registrations = new ConcurrentHashMap<>();
    private final List<Request> registers = new CopyOnWriteArrayList<>();
    private final AtomicLong nonceCounter = new AtomicLong();
    private volatile int grantedExpires = 300;
    private volatile boolean down;

    public FakeAsterisk(String host) {
        this.ua = new FakeUserAgent(host);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    public FakeAsterisk start() throws Exception {
        ua.start();
        ua.respond(Request.REGISTER, this::onRegister);
        return this;
    }

    @Override
    public void close() {
        ua.close();
    }

    public FakeAsterisk user(String user, String password) {
        passwords.put(user, password);
        return this;
    }

    public FakeAsterisk grantedExpires(int seconds) {
        this.grantedExpires = seconds;
        return this;
    }

    /** A box that receives but never answers (timeouts, failover tests). */
    public FakeAsterisk down() {
        this.down = true;
        return this;
    }

    public String uri() {
        return ua.uri();
    }

    public FakeUserAgent agent() {
        return ua;
    }

    /** Every REGISTER this box received, in order. */
    public List<Request> registers() {
        return registers;
    }

    private List<Response> onRegister(Request request) {
        registers.add(request);
        if (down) {
            return List.of();
        }
        try {
            AuthorizationHeader auth = (AuthorizationHeader) request.getHeader(AuthorizationHeader.NAME);
            if (auth == null) {
                return List.of(challenge(request));
            }
            String user = auth.getUsername();
            String nonce = auth.getNonce();
            String expected = passwords.containsKey(user)
                    ? Digest.response(user, REALM, passwords.get(user), nonce, Request.REGISTER, auth.getURI().toString())
                    : null;
            if (!nonces.contains(nonce)) {
                return List.of(challenge(request)); // not a nonce of this box: challenge again
            }
            if (expected == null || !expected.equals(auth.getResponse())) {
                return List.of(ua.newResponse(request, 403));
            }
            return List.of(accept(request));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Response challenge(Request request) throws Exception {
        String nonce = ua.host() + "-" + nonceCounter.incrementAndGet();
        nonces.add(nonce);
        Response r = ua.newResponse(request, 401);
        r.addHeader(ua.headers().createHeader("WWW-Authenticate",
                "Digest realm=\"" + REALM + "\", nonce=\"" + nonce + "\", algorithm=MD5"));
        return r;
    }

    private Response accept(Request request) throws Exception {
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        SipURI aorUri = (SipURI) to.getAddress().getURI();
        String aor = aorUri.getUser() + "@" + aorUri.getHost();
        Map<String, Long> bindings = registrations.computeIfAbsent(aor, k -> new ConcurrentHashMap<>());
        ExpiresHeader expiresHeader = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        long now = System.currentTimeMillis() / 1000;
        ListIterator<?> it = request.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard()) {
                bindings.clear();
                continue;
            }
            int requested = c.getExpires() != -1 ? c.getExpires() : expiresHeader != null ? expiresHeader.getExpires() : 3600;
            String contact = c.getAddress().getURI().toString();
            if (requested == 0) {
                bindings.remove(contact);
            } else {
                bindings.put(contact, now + Math.min(requested, grantedExpires));
            }
        }
        Response ok = ua.newResponse(request, 200);
        List<String> lines = new ArrayList<>();
        bindings.forEach((contact, until) -> lines.add("<" + contact + ">;expires=" + Math.max(0, until - now)));
        lines.add("<" + OTHER_DEVICE + ">;expires=120");
        for (String line : lines) {
            ok.addHeader(ua.headers().createHeader("Contact", line));
        }
        return ok;
    }
}
