package io.sipflow.component.sip.proxy;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.SIPServerTransaction;

import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an answered non-INVITE server transaction keeps while it lingers for the wait timer: a
 * request with only the fields JAIN-SIP matches retransmissions against (request line, top Via,
 * From, To, Call-ID, CSeq — RFC 3261 §17.2.3, and RFC 2543's rule for a branch without the magic
 * cookie), sharing those header objects with the received request.
 * <p>
 * The stack keeps a server transaction's request to its end ({@code RELEASE_REFERENCES_STRATEGY}
 * "None": a request without the magic cookie is matched against every lingering transaction's
 * request, so it must never be dropped). At 3,000 REGISTER/s some 15,000 of them linger for 5 s,
 * each holding its whole parsed REGISTER (Contacts, Expires, User-Agent...): objects every ZGC cycle
 * marks. The retransmissions are answered from the bytes of the last response, which the stack
 * keeps apart.
 */
final class MatchingSkeleton {

    private static final Logger LOG = LoggerFactory.getLogger(MatchingSkeleton.class);

    private MatchingSkeleton() {
    }

    /**
     * Replaces the request of an answered non-INVITE, non-CANCEL transaction by its skeleton (an
     * INVITE's is kept for the ACK and CANCEL matching, a CANCEL's for its INVITE). The transaction
     * identifier and branch stay the same, so the stack's tables are not touched.
     */
    static void keepOnlyWhatMatches(ServerTransaction transaction) {
        if (!(transaction instanceof SIPServerTransaction stx) || !(stx.getRequest() instanceof SIPRequest request)) {
            return;
        }
        String method = request.getMethod();
        if (Request.INVITE.equals(method) || Request.CANCEL.equals(method) || Request.ACK.equals(method)) {
            return;
        }
        try {
            SIPRequest skeleton = of(request);
            if (skeleton.getTransactionId().equals(request.getTransactionId())) {
                stx.setOriginalRequest(skeleton);
            }
        } catch (RuntimeException e) {
            LOG.debug("Transaction keeps its whole request: {}", e.toString());
        }
    }

    /** The request line, topmost Via, From, To, Call-ID and CSeq of the request (and an empty body). */
    static SIPRequest of(SIPRequest request) {
        SIPRequest skeleton = new SIPRequest();
        skeleton.setRequestLine(request.getRequestLine());
        ViaHeader topVia = (ViaHeader) request.getHeader(ViaHeader.NAME);
        if (topVia != null) {
            skeleton.setHeader(topVia);
        }
        skeleton.setHeader(request.getHeader(FromHeader.NAME));
        skeleton.setHeader(request.getHeader(ToHeader.NAME));
        skeleton.setHeader(request.getHeader(CallIdHeader.NAME));
        skeleton.setHeader(request.getHeader(CSeqHeader.NAME));
        return skeleton;
    }
}
