package io.sipflow.module.registrar;

import io.sipflow.component.sip.stack.FastHeaderParser;
import io.sipflow.module.location.Binding;
import io.sipflow.module.location.ContactUpdate;
import io.sipflow.module.location.LocationChanges;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.location.RegistrationUpdate;

import gov.nist.javax.sip.message.SIPMessage;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.UserAgentHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The proxy-registrar mechanism (OpenSIPS {@code registrar} + {@code mid_registrar} ideas): reads a
 * REGISTER, makes the PBX send requests back through SipFlow (Contact rewrite or Path), and after
 * the PBX's 2xx stores exactly the contacts of that REGISTER with the expiry the PBX granted and the
 * endpoint's real source address. It never sends SIP: the routes decide what to answer.
 */
public final class RegistrarService {

    /** Name of the Contact-rewrite URI parameter that names the binding. */
    public static final String BINDING_PARAM = "sfb";

    private final LocationStore store;
    private final ContactMode mode;
    private final String advertisedHost;
    private final int advertisedPort;
    private final int defaultExpires;
    private final int maxExpires;
    private final AddressFactory addresses;
    private final HeaderFactory headers;

    public RegistrarService(LocationStore store, ContactMode mode, String advertisedHost, int advertisedPort,
            int defaultExpires, int maxExpires, AddressFactory addresses, HeaderFactory headers) {
        this.store = store;
        this.mode = mode;
        this.advertisedHost = advertisedHost;
        this.advertisedPort = advertisedPort;
        this.defaultExpires = defaultExpires;
        this.maxExpires = maxExpires;
        this.addresses = addresses;
        this.headers = headers;
    }

    public ContactMode mode() {
        return mode;
    }

    public LocationStore store() {
        return store;
    }

    /** Why this REGISTER must be answered 400 without reaching the PBX, or null when it is fine. */
    public String invalidReason(Request request) {
        if (request.getHeader(ToHeader.NAME) == null) {
            return "Missing To";
        }
        if (request instanceof SIPMessage sip) {
            ListIterator<String> unparsed = sip.getUnrecognizedHeaders();
            while (unparsed != null && unparsed.hasNext()) {
                String h = unparsed.next().trim().toLowerCase(Locale.ROOT);
                if (h.startsWith("contact") || h.startsWith("m:") || h.startsWith("m ") || h.startsWith("expires")) {
                    return "Malformed " + (h.startsWith("expires") ? "Expires" : "Contact");
                }
            }
        }
        ExpiresHeader expires = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        if (expires != null && (expires.getExpires() < 0 || expires.getExpires() > maxExpires)) {
            return "Absurd Expires";
        }
        int count = 0;
        boolean wildcard = false;
        ListIterator<?> contacts = request.getHeaders(ContactHeader.NAME);
        while (contacts.hasNext()) {
            ContactHeader c = (ContactHeader) contacts.next();
            count++;
            if (c.isWildCard() || "*".equals(String.valueOf(c.getAddress()).trim())) {
                wildcard = true;
                continue;
            }
            if (!(c.getAddress().getURI() instanceof SipURI) && !c.getAddress().getURI().isSipURI()) {
                return "Contact must be a SIP URI";
            }
            int e = c.getExpires();
            if (e != -1 && (e < 0 || e > maxExpires)) {
                return "Absurd Expires";
            }
        }
        // RFC 3261 §10.3 step 6: "*" only alone and only with Expires: 0
        if (wildcard && (count > 1 || expires == null || expires.getExpires() != 0)) {
            return "Invalid Contact: *";
        }
        return null;
    }

    /** The AoR user of a REGISTER (To user). */
    public static String aorUser(Request request) {
        URI to = ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI();
        return to instanceof SipURI sip ? sip.getUser() : null;
    }

    /** The AoR domain of a REGISTER (To host). */
    public static String aorDomain(Request request) {
        URI to = ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI();
        return to instanceof SipURI sip ? sip.getHost().toLowerCase(Locale.ROOT) : null;
    }

    /** Reads what the REGISTER asks, before anything is changed for the PBX. */
    public PendingRegistration read(Request request, String domain, String sourceIp, int sourcePort, String transport,
            String socket) {
        String user = aorUser(request);
        List<PendingRegistration.RequestContact> contacts = new ArrayList<>();
        boolean wildcard = false;
        ListIterator<?> it = request.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard()) {
                wildcard = true;
                continue;
            }
            String uri = c.getAddress().getURI().toString();
            int e = c.getExpires();
            contacts.add(new PendingRegistration.RequestContact(ContactIds.of(user, domain, uri), uri,
                    e == -1 ? null : e, c.getQValue() < 0 ? 1.0f : c.getQValue(), c.getParameter("+sip.instance")));
        }
        ExpiresHeader expires = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        UserAgentHeader ua = (UserAgentHeader) request.getHeader(UserAgentHeader.NAME);
        String path = joined(request.getHeaders("Path"));
        String received = "sip:" + (sourceIp.contains(":") ? "[" + sourceIp + "]" : sourceIp) + ":" + sourcePort
                + (transport == null || "udp".equalsIgnoreCase(transport) ? "" : ";transport=" + transport.toLowerCase(Locale.ROOT));
        return new PendingRegistration(user, domain, wildcard, contacts,
                expires == null ? null : expires.getExpires(),
                ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId(),
                ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber(),
                received, path, ua == null ? null : userAgent(ua), socket);
    }

    /** Makes the PBX reach the endpoint through SipFlow: rewrites the Contacts, or adds a Path. */
    public void prepareForPbx(Request request, PendingRegistration registration) throws ParseException, javax.sip.SipException {
        if (mode == ContactMode.PATH) {
            SipURI self = addresses.createSipURI(null, advertisedHost);
            self.setPort(advertisedPort);
            self.setLrParam();
            request.addFirst(headers.createHeader("Path", "<" + self + ">"));
            return;
        }
        Map<String, PendingRegistration.RequestContact> byUri = new HashMap<>();
        registration.contacts().forEach(c -> byUri.put(c.uri(), c));
        ListIterator<?> it = request.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard()) {
                continue;
            }
            PendingRegistration.RequestContact rc = byUri.get(c.getAddress().getURI().toString());
            if (rc != null) {
                c.getAddress().setURI(proxyContact(registration.username(), rc.contactId()));
            }
        }
    }

    /** {@code sip:<user>@<advertised>;sfb=<id>}: what the PBX stores as the endpoint's contact. */
    public SipURI proxyContact(String user, long contactId) throws ParseException {
        SipURI uri = user == null ? null : FastHeaderParser.sipUri("sip:" + user + "@" + advertisedHost);
        if (uri == null) {
            uri = addresses.createSipURI(user, advertisedHost);
        }
        uri.setPort(advertisedPort);
        uri.setParameter(BINDING_PARAM, ContactIds.toParam(contactId));
        return uri;
    }

    /**
     * After the PBX's 2xx: stores the contacts of this REGISTER (and only those: the 2xx lists other
     * devices of the AoR too) with the expiry the PBX granted.
     */
    public LocationChanges save(PendingRegistration registration, Response ok, String pbx) {
        if (registration.isQuery()) {
            return LocationChanges.NONE;
        }
        Map<Long, Integer> granted = grantedExpiries(registration, ok);
        ExpiresHeader okExpires = (ExpiresHeader) ok.getHeader(ExpiresHeader.NAME);
        List<ContactUpdate> updates = new ArrayList<>();
        for (PendingRegistration.RequestContact c : registration.contacts()) {
            int requested = c.expires() != null ? c.expires()
                    : registration.requestExpires() != null ? registration.requestExpires() : defaultExpires;
            int expires;
            if (requested == 0) {
                expires = 0; // a de-registration stays one whatever the 2xx lists
            } else if (granted.containsKey(c.contactId())) {
                expires = granted.get(c.contactId());
            } else if (okExpires != null) {
                expires = okExpires.getExpires();
            } else {
                expires = requested;
            }
            updates.add(new ContactUpdate(c.contactId(), c.uri(), expires, c.q(), c.instance()));
        }
        return store.apply(new RegistrationUpdate(registration.username(), registration.domain(), registration.wildcard(),
                updates, registration.received(), registration.path(), registration.callId(), registration.cseq(),
                registration.userAgent(), registration.socket(), pbx, System.currentTimeMillis()));
    }

    /** In the 2xx relayed to the endpoint, the contacts SipFlow rewrote are the endpoints' own again. */
    public void restoreContacts(PendingRegistration registration, Response ok) {
        if (mode != ContactMode.REWRITE) {
            return;
        }
        Map<Long, String> ours = new HashMap<>();
        registration.contacts().forEach(c -> ours.put(c.contactId(), c.uri()));
        ListIterator<?> it = ok.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            long id = bindingId(c.getAddress());
            if (id < 0) {
                continue;
            }
            String original = ours.get(id);
            if (original == null) {
                Binding other = store.byContactId(id);
                original = other == null ? null : other.contact();
            }
            if (original != null) {
                try {
                    c.getAddress().setURI(uri(original));
                } catch (ParseException e) {
                    // keep the rewritten contact: it still routes through SipFlow
                }
            }
        }
    }

    /** The binding a URI names through its {@code sfb} parameter; -1 when none. */
    public static long bindingId(URI uri) {
        return uri instanceof SipURI sip ? ContactIds.fromParam(sip.getParameter(BINDING_PARAM)) : -1;
    }

    private static long bindingId(Address address) {
        return address == null ? -1 : bindingId(address.getURI());
    }

    private Map<Long, Integer> grantedExpiries(PendingRegistration registration, Response ok) {
        Map<Long, Integer> granted = new HashMap<>();
        Map<String, Long> byUri = new HashMap<>();
        registration.contacts().forEach(c -> byUri.put(c.uri(), c.contactId()));
        ExpiresHeader okExpires = (ExpiresHeader) ok.getHeader(ExpiresHeader.NAME);
        ListIterator<?> it = ok.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard() || c.getAddress() == null) {
                continue;
            }
            long id = mode == ContactMode.REWRITE ? bindingId(c.getAddress()) : -1;
            if (id < 0) {
                Long byContact = byUri.get(c.getAddress().getURI().toString());
                id = byContact == null ? -1 : byContact;
            }
            if (id < 0) {
                continue; // another device of the AoR: not this REGISTER's binding
            }
            int e = c.getExpires();
            if (e == -1 && okExpires != null) {
                e = okExpires.getExpires();
            }
            if (e != -1) {
                granted.put(id, e);
            }
        }
        return granted;
    }

    private static String joined(ListIterator<?> values) {
        StringBuilder sb = new StringBuilder();
        while (values.hasNext()) {
            String v = values.next().toString();
            int colon = v.indexOf(':');
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(v.substring(colon + 1).trim());
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private static String userAgent(UserAgentHeader ua) {
        StringBuilder sb = new StringBuilder();
        ListIterator<?> it = ua.getProduct();
        while (it.hasNext()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(it.next());
        }
        return sb.toString();
    }

    /** A contact URI string as a URI: plain SIP URIs without JAIN-SIP's lexer (on every 2xx). */
    private URI uri(String text) throws ParseException {
        URI fast = FastHeaderParser.sipUri(text);
        return fast != null ? fast : addresses.createURI(text);
    }
}
