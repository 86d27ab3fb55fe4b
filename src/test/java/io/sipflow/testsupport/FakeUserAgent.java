package io.sipflow.testsupport;

import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.stack.SIPServerTransaction;
import gov.nist.javax.sip.stack.UdpWorkers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fake SIP user agent on its own JAIN-SIP stack, on a free UDP+TCP port of a loopback address:
 * a UAC that sends requests and records responses, and a UAS that answers per method
 * ({@link #answer}) or by hand. Register it with {@code @RegisterExtension}; it starts before and
 * stops after each test. Every wait is an awaited condition with a deadline.
 */
public final class FakeUserAgent implements BeforeEachCallback, AfterEachCallback, SipListener, AutoCloseable {

    /** The stack's SIP threads (JAIN-SIP THREAD_POOL_SIZE), one UDP worker channel each. */
    private static final int WORKERS = 4;

    private static final AtomicInteger IDS = new AtomicInteger();
    public static final Duration WAIT = Duration.ofSeconds(10);

    private final String host;
    private final String name;
    private int port;
    private SipStack stack;
    private SipProvider provider;
    private MessageFactory messages;
    private HeaderFactory headers;
    private AddressFactory addresses;
    private final AtomicLong cseq = new AtomicLong(1);
    private final List<RequestEvent> requests = new CopyOnWriteArrayList<>();
    private final List<Response> responses = new CopyOnWriteArrayList<>();
    private final Map<String, int[]> answers = new ConcurrentHashMap<>();
    private final Map<String, ServerTransaction> pendingInvites = new ConcurrentHashMap<>();
    private volatile boolean silent;
    private final Map<String, java.util.function.Function<Request, List<Response>>> responders = new ConcurrentHashMap<>();

    public FakeUserAgent(String host) {
        this.host = host;
        this.name = "fake-ua-" + IDS.incrementAndGet();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    public FakeUserAgent start() throws Exception {
        port = FreePorts.udpAndTcp(host);
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", name + "-" + port);
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(WORKERS));
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", "io.sipflow.component.sip.stack.Slf4jStackLogger");
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", "io.sipflow.component.sip.stack.Slf4jServerLogger");
        p.setProperty("gov.nist.javax.sip.REJECT_STRAY_RESPONSES", "false");
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "true");
        stack = factory.createSipStack(p);
        messages = factory.createMessageFactory();
        headers = factory.createHeaderFactory();
        addresses = factory.createAddressFactory();
        ListeningPoint udp = stack.createListeningPoint(host, port, "udp");
        ListeningPoint tcp = stack.createListeningPoint(host, port, "tcp");
        provider = stack.createSipProvider(udp);
        provider.addListeningPoint(tcp);
        provider.addSipListener(this);
        stack.start();
        // the UDP processor creates its worker channels on its own thread; stop() before that races it
        await().atMost(Duration.ofSeconds(10)).until(() -> UdpWorkers.created(stack, WORKERS));
        return this;
    }

    @Override
    public void close() {
        if (stack != null) {
            stack.stop();
            stack = null;
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code sip:host:port} of this agent. */
    public String uri() {
        return "sip:" + host + ":" + port;
    }

    /** UAS behaviour: answer {@code method} with these codes in order (e.g. 180 then 200). */
    public FakeUserAgent answer(String method, int... codes) {
        answers.put(method, codes);
        return this;
    }

    /** UAS behaviour: answer {@code method} with whatever the function builds (for emulated PBXs). */
    public FakeUserAgent respond(String method, java.util.function.Function<Request, List<Response>> responder) {
        responders.put(method, responder);
        return this;
    }

    /** A response to {@code request} with a To tag (and a Contact for 2xx to INVITE), to customise. */
    public Response newResponse(Request request, int code) throws Exception {
        return response(request, code);
    }

    public MessageFactory messages() {
        return messages;
    }

    /** Never answer anything (a silent next hop). */
    public FakeUserAgent silent() {
        this.silent = true;
        return this;
    }

    public HeaderFactory headers() {
        return headers;
    }

    public AddressFactory addresses() {
        return addresses;
    }

    // ---- UAC side -------------------------------------------------------------------------------

    /** A new out-of-dialog request from {@code sip:<fromUser>@host} to {@code toUri}, sent to requestUri. */
    public Request newRequest(String method, String requestUri, String toUri, String fromUser) throws Exception {
        SipURI from = addresses.createSipURI(fromUser, host);
        Address fromAddress = addresses.createAddress(from);
        Address toAddress = addresses.createAddress(toUri);
        ViaHeader via = headers.createViaHeader(host, port, "udp", null);
        Request request = messages.createRequest(addresses.createURI(requestUri), method,
                headers.createCallIdHeader(UUID.randomUUID() + "@" + host),
                headers.createCSeqHeader(cseq.getAndIncrement(), method),
                headers.createFromHeader(fromAddress, "ft" + Long.toHexString(System.nanoTime())),
                headers.createToHeader(toAddress, null),
                new ArrayList<>(List.of(via)),
                headers.createMaxForwardsHeader(70));
        SipURI contact = addresses.createSipURI(fromUser, host);
        contact.setPort(port);
        request.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        return request;
    }

    /** Sends a request on a new client transaction to {@code proxy} (host:port, transport from the URI). */
    public ClientTransaction send(Request request, String proxyUri) throws Exception {
        SipURI proxy = (SipURI) addresses.createURI(proxyUri);
        String transport = proxy.getTransportParam() == null ? "udp" : proxy.getTransportParam();
        ((ViaHeader) request.getHeader(ViaHeader.NAME)).setTransport(transport);
        RouteHeader route = headers.createRouteHeader(addresses.createAddress(loose(proxy)));
        if (request.getHeader(RouteHeader.NAME) == null) {
            request.addFirst(route);
        }
        ClientTransaction tx = provider.getNewClientTransaction(request);
        tx.sendRequest();
        return tx;
    }

    /** Sends an ACK for a 2xx along the Record-Route set, statelessly (RFC 3261 §13.2.2.4). */
    public Request sendAck(Response ok, Request invite) throws Exception {
        Request ack = inDialog(ok, invite, Request.ACK, ((CSeqHeader) invite.getHeader(CSeqHeader.NAME)).getSeqNumber());
        provider.sendRequest(ack);
        return ack;
    }

    /** Builds an in-dialog request (BYE, re-INVITE) from the dialog the 2xx established. */
    public Request inDialog(Response ok, Request invite, String method, long number) throws Exception {
        ContactHeader contact = (ContactHeader) ok.getHeader(ContactHeader.NAME);
        Request request = messages.createRequest(contact.getAddress().getURI(), method,
                (CallIdHeader) invite.getHeader(CallIdHeader.NAME),
                headers.createCSeqHeader(number, method),
                (FromHeader) invite.getHeader(FromHeader.NAME),
                (ToHeader) ok.getHeader(ToHeader.NAME),
                new ArrayList<>(List.of(headers.createViaHeader(host, port, "udp", null))),
                headers.createMaxForwardsHeader(70));
        List<RecordRouteHeader> rr = new ArrayList<>();
        ListIterator<?> it = ok.getHeaders(RecordRouteHeader.NAME);
        while (it.hasNext()) {
            rr.add((RecordRouteHeader) it.next());
        }
        // the UAC uses the Record-Route set in reverse order (RFC 3261 §12.1.2)
        for (int i = rr.size() - 1; i >= 0; i--) {
            request.addHeader(headers.createRouteHeader(rr.get(i).getAddress()));
        }
        return request;
    }

    /** Sends an in-dialog request on a client transaction; next hop from its Route set. */
    public ClientTransaction sendInDialog(Request request) throws Exception {
        ClientTransaction tx = provider.getNewClientTransaction(request);
        tx.sendRequest();
        return tx;
    }

    public ClientTransaction cancel(ClientTransaction invite) throws Exception {
        ClientTransaction tx = provider.getNewClientTransaction(invite.createCancel());
        tx.sendRequest();
        return tx;
    }

    private SipURI loose(SipURI proxy) throws Exception {
        SipURI uri = (SipURI) proxy.clone();
        uri.setLrParam();
        return uri;
    }

    /** Awaits a response matching the Call-ID of {@code request} and the given status. */
    public Response awaitResponse(Request request, int status) {
        String callId = callId(request);
        String method = request.getMethod();
        return awaitResponse(r -> callId.equals(callId(r)) && r.getStatusCode() == status
                && method.equals(((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getMethod()));
    }

    public Response awaitResponse(Predicate<Response> predicate) {
        return await().atMost(WAIT).until(() -> responses.stream().filter(predicate).findFirst().orElse(null),
                r -> r != null);
    }

    public List<Response> responses() {
        return responses;
    }

    // ---- UAS side -------------------------------------------------------------------------------

    /** Awaits a received request with this method (and Call-ID, when given). */
    public RequestEvent awaitRequest(String method, String callId) {
        return await().atMost(WAIT).until(() -> findRequest(method, callId), r -> r != null);
    }

    public RequestEvent findRequest(String method, String callId) {
        for (RequestEvent e : requests) {
            Request r = e.getRequest();
            if (r.getMethod().equals(method) && (callId == null || callId.equals(callId(r)))) {
                return e;
            }
        }
        return null;
    }

    public List<RequestEvent> requests() {
        return requests;
    }

    /** Sends another response on an INVITE this agent auto-answered (e.g. the 200 after a 180). */
    public void replyToInvite(String callId, int code) throws Exception {
        ServerTransaction stx = pendingInvites.get(callId);
        if (stx == null) {
            throw new IllegalStateException("no pending INVITE " + callId);
        }
        stx.sendResponse(response(stx.getRequest(), code));
    }

    /**
     * The same with this To tag: the default tag depends only on the Call-ID, so two agents answering
     * one forked INVITE need tags of their own to be two dialogs.
     */
    public void replyToInvite(String callId, int code, String toTag) throws Exception {
        ServerTransaction stx = pendingInvites.get(callId);
        if (stx == null) {
            throw new IllegalStateException("no pending INVITE " + callId);
        }
        Response response = response(stx.getRequest(), code);
        ((ToHeader) response.getHeader(ToHeader.NAME)).setTag(toTag);
        stx.sendResponse(response);
    }

    /** Answers a received request by hand. */
    public void reply(RequestEvent event, int code) throws Exception {
        ServerTransaction stx = serverTransaction(event);
        stx.sendResponse(response(event.getRequest(), code));
    }

    private Response response(Request request, int code) throws Exception {
        Response response = messages.createResponse(code, request);
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (code > 100 && to.getTag() == null) {
            to.setTag("tt" + Integer.toHexString(callId(request).hashCode()));
        }
        if (code >= 200 && code < 300 && Request.SUBSCRIBE.equals(request.getMethod())) {
            response.addHeader(headers.createExpiresHeader(3600));
        }
        if (code >= 200 && code < 300 && (Request.INVITE.equals(request.getMethod()) || Request.SUBSCRIBE.equals(request.getMethod()))) {
            SipURI contact = addresses.createSipURI("uas", host);
            contact.setPort(port);
            response.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        }
        return response;
    }

    private final Map<Request, ServerTransaction> manualTransactions = new ConcurrentHashMap<>();

    private ServerTransaction serverTransaction(RequestEvent event) throws Exception {
        if (event.getServerTransaction() != null) {
            return event.getServerTransaction();
        }
        ServerTransaction existing = manualTransactions.get(event.getRequest());
        if (existing != null) {
            return existing;
        }
        ServerTransaction created = provider.getNewServerTransaction(event.getRequest());
        manualTransactions.put(event.getRequest(), created);
        return created;
    }

    @Override
    public void processRequest(RequestEvent event) {
        requests.add(event);
        if (silent) {
            return;
        }
        Request request = event.getRequest();
        try {
            if (Request.ACK.equals(request.getMethod())) {
                return;
            }
            if (Request.CANCEL.equals(request.getMethod())) {
                ServerTransaction cancelTx = provider.getNewServerTransaction(request);
                cancelTx.sendResponse(response(request, 200));
                SIPServerTransaction invite = ((SIPServerTransaction) cancelTx).getCanceledInviteTransaction();
                ServerTransaction pending = pendingInvites.remove(callId(request));
                ServerTransaction target = invite != null ? invite : pending;
                if (target != null) {
                    target.sendResponse(response(target.getRequest(), 487));
                }
                return;
            }
            java.util.function.Function<Request, List<Response>> responder = responders.get(request.getMethod());
            if (responder != null) {
                ServerTransaction stx = event.getServerTransaction() != null ? event.getServerTransaction()
                        : provider.getNewServerTransaction(request);
                for (Response r : responder.apply(request)) {
                    stx.sendResponse(r);
                }
                return;
            }
            int[] codes = answers.get(request.getMethod());
            if (codes == null) {
                return;
            }
            ServerTransaction stx = event.getServerTransaction() != null ? event.getServerTransaction()
                    : provider.getNewServerTransaction(request);
            if (Request.INVITE.equals(request.getMethod())) {
                pendingInvites.put(callId(request), stx);
            }
            for (int code : codes) {
                stx.sendResponse(response(request, code));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        responses.add(event.getResponse());
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        // tests await responses, a timeout shows up as the missing one
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        // not used
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // not used
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // not used
    }

    public static String callId(javax.sip.message.Message message) {
        CallIdHeader h = (CallIdHeader) message.getHeader(CallIdHeader.NAME);
        return h == null ? null : h.getCallId();
    }
}
