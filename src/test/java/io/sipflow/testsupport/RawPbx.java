package io.sipflow.testsupport;

import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sip.PeerUnavailableException;
import javax.sip.SipFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Response;

/**
 * A PBX calling through SipFlow from a raw UDP socket ({@link RawSipClient}), with no transaction
 * layer of its own: it sees every response SipFlow sends — a 2xx after a 408, a second 2xx of a
 * forked INVITE — where a JAIN-SIP client transaction would drop them, and answers each as the test
 * says (ACK, BYE). Every receive is bounded by a deadline.
 */
public final class RawPbx implements AutoCloseable {

    private final RawSipClient socket;
    private final String host;
    private final String proxyHost;
    private final int proxyPort;
    private final MessageFactory parser;

    public RawPbx(String host, String proxyHost, int proxyPort) throws IOException, PeerUnavailableException {
        this.socket = new RawSipClient(host, proxyHost, proxyPort);
        this.host = host;
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        this.parser = factory.createMessageFactory();
    }

    /** The From tag of this PBX's calls with this Call-ID. */
    public static String fromTag(String callId) {
        return "pbx-" + callId;
    }

    /** Sends {@code INVITE sip:<user>@<SipFlow>} (To {@code user@domain}) on the Via branch {@code branch}. */
    public void invite(String user, String domain, String callId, String branch) throws IOException {
        socket.sendUdp("INVITE sip:" + user + "@" + proxyHost + ":" + proxyPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + host + ":" + socket.localPort() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:pbx@" + host + ">;tag=" + fromTag(callId) + "\r\n"
                + "To: <sip:" + user + "@" + domain + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:pbx@" + host + ":" + socket.localPort() + ">\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    /** The ACK of a non-2xx final: hop by hop, on the INVITE's branch (RFC 3261 §17.1.1.3). */
    public void ackFailure(String user, String callId, String branch, Response failure) throws IOException {
        socket.sendUdp("ACK sip:" + user + "@" + proxyHost + ":" + proxyPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + host + ":" + socket.localPort() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:pbx@" + host + ">;tag=" + fromTag(callId) + "\r\n"
                + failure.getHeader(ToHeader.NAME)
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 ACK\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    /** ACK or BYE in the dialog the 2xx established: to its Contact, along its Record-Route. */
    public void inDialog(String method, long cseq, String callId, Response ok) throws IOException {
        SipURI target = (SipURI) ((ContactHeader) ok.getHeader(ContactHeader.NAME)).getAddress().getURI();
        RecordRouteHeader recordRoute = (RecordRouteHeader) ok.getHeader(RecordRouteHeader.NAME);
        socket.sendUdp(method + " " + target + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + host + ":" + socket.localPort() + ";branch=z9hG4bK-" + UUID.randomUUID() + ";rport\r\n"
                + "Route: " + recordRoute.getAddress() + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:pbx@" + host + ">;tag=" + fromTag(callId) + "\r\n"
                + ok.getHeader(ToHeader.NAME)
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    /** Receives until a response with this status to this method comes; null when none came in time. */
    /** {@link #awaitResponse(int, String, Duration)}, failing the test when it does not come. */
    public Response expectResponse(int status, String method, Duration wait) throws IOException {
        Response response = awaitResponse(status, method, wait);
        org.assertj.core.api.Assertions.assertThat(response).as("%d to %s", status, method).isNotNull();
        return response;
    }

    public Response awaitResponse(int status, String method, Duration wait) throws IOException {
        return awaitResponse(status, method, r -> true, wait);
    }

    /**
     * Receives until a response with this status to this method that also satisfies {@code wanted}
     * comes (others are read and dropped); null when none came in time.
     */
    public Response awaitResponse(int status, String method, Predicate<Response> wanted, Duration wait) throws IOException {
        Predicate<String> candidate = text -> RawSipClient.statusCode(text) == status && text.contains(" " + method + "\r\n");
        String text = socket.receiveUdpMatching(t -> {
            if (!candidate.test(t)) {
                return false;
            }
            Response r = parse(t);
            return method.equals(((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getMethod()) && wanted.test(r);
        }, wait);
        return text == null ? null : parse(text);
    }

    /** The To tag of a response. */
    public static String toTag(Response response) {
        return ((ToHeader) response.getHeader(ToHeader.NAME)).getTag();
    }

    private Response parse(String text) {
        try {
            return parser.createResponse(text);
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a response: " + text, e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
