package io.sipflow.testsupport;

import java.util.Map;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/** A fake phone registering through SipFlow the way a real one does: REGISTER, 401, digest retry. */
public final class Registrations {

    private Registrations() {
    }

    public static Request registerRequest(FakeUserAgent phone, int ext, String domain, int expires) throws Exception {
        Request r = phone.newRequest(Request.REGISTER, "sip:" + domain, "sip:" + ext + "@" + domain, Integer.toString(ext));
        r.setHeader(phone.headers().createExpiresHeader(expires));
        r.setHeader(phone.headers().createHeader("User-Agent", "SipFlowTestPhone/1.0"));
        return r;
    }

    /** REGISTER, answer the 401 with the digest of {@code password}, return the final answer. */
    public static Response register(FakeUserAgent phone, String proxyUri, int ext, String domain, int expires,
            String password) throws Exception {
        return send(phone, proxyUri, registerRequest(phone, ext, domain, expires), password);
    }

    /** Sends a prepared REGISTER; answers a 401 challenge once; returns the final answer. */
    public static Response send(FakeUserAgent phone, String proxyUri, Request register, String password) throws Exception {
        phone.send(register, proxyUri);
        Response first = finalFor(phone, register);
        if (first.getStatusCode() != 401) {
            return first;
        }
        Map<String, String> challenge = Digest.params(first.getHeader("WWW-Authenticate").toString());
        Request retry = (Request) register.clone();
        long cseq = ((CSeqHeader) register.getHeader(CSeqHeader.NAME)).getSeqNumber() + 1;
        retry.setHeader(phone.headers().createCSeqHeader(cseq, Request.REGISTER));
        retry.removeHeader(ViaHeader.NAME);
        retry.addHeader(phone.headers().createViaHeader(phone.host(), phone.port(), "udp", null));
        retry.removeHeader("Route");
        String user = ((SipURI) ((ToHeader) register.getHeader(ToHeader.NAME)).getAddress().getURI()).getUser();
        retry.setHeader((AuthorizationHeader) phone.headers().createHeader(AuthorizationHeader.NAME,
                Digest.authorization(user, challenge.get("realm"), password, challenge.get("nonce"), Request.REGISTER,
                        register.getRequestURI().toString())));
        phone.send(retry, proxyUri);
        return finalFor(phone, retry);
    }

    /** The final response to exactly this request (Call-ID and CSeq). */
    public static Response finalFor(FakeUserAgent phone, Request request) {
        long cseq = ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber();
        String callId = FakeUserAgent.callId(request);
        return phone.awaitResponse(r -> callId.equals(FakeUserAgent.callId(r)) && r.getStatusCode() >= 200
                && ((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getSeqNumber() == cseq);
    }
}
