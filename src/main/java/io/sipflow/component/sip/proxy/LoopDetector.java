package io.sipflow.component.sip.proxy;

import io.sipflow.component.sip.SipProtocolConstants;
import io.sipflow.component.sip.stack.LocalAddresses;

import java.util.Iterator;
import java.util.ListIterator;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/**
 * RFC 3261 §16.3 step 4 and §16.6 step 8: our branch ids carry a hash of the fields that identify a
 * request as forwarded (R-URI, From/To tags, Call-ID, CSeq, Route, Proxy-Require). When a request
 * comes back with one of our Vias whose hash equals the request's current hash, it looped (482);
 * a different hash is a legal spiral (the R-URI was changed downstream).
 */
final class LoopDetector {

    private LoopDetector() {
    }

    static String loopHash(Request request) {
        long h = 0xcbf29ce484222325L;
        h = mix(h, request.getRequestURI().toString());
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        h = mix(h, from == null ? null : from.getTag());
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        h = mix(h, to == null ? null : to.getTag());
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        h = mix(h, callId == null ? null : callId.getCallId());
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        h = mix(h, cseq == null ? null : Long.toString(cseq.getSeqNumber()));
        h = mixAll(h, request.getHeaders("Route"));
        h = mixAll(h, request.getHeaders("Proxy-Require"));
        return Long.toHexString(h);
    }

    /** True when one of our own Vias in the request carries the same loop hash. */
    static boolean isLoop(Request request, String loopHash, LocalAddresses local) {
        ListIterator<?> vias = request.getHeaders(ViaHeader.NAME);
        while (vias.hasNext()) {
            ViaHeader via = (ViaHeader) vias.next();
            String branch = via.getBranch();
            if (branch == null || !branch.startsWith(SipProtocolConstants.BRANCH_PREFIX)) {
                continue;
            }
            if (!local.isLocal(via.getHost(), via.getPort())) {
                continue;
            }
            int dot = branch.indexOf('.', SipProtocolConstants.BRANCH_PREFIX.length());
            if (dot > 0 && branch.substring(SipProtocolConstants.BRANCH_PREFIX.length(), dot).equals(loopHash)) {
                return true;
            }
        }
        return false;
    }

    private static long mixAll(long h, Iterator<?> headers) {
        while (headers.hasNext()) {
            h = mix(h, ((Header) headers.next()).toString());
        }
        return h;
    }

    private static long mix(long h, String value) {
        if (value == null) {
            return (h ^ 0xff) * 0x100000001b3L;
        }
        for (int i = 0; i < value.length(); i++) {
            h ^= value.charAt(i);
            h *= 0x100000001b3L;
        }
        return (h ^ 0x1f) * 0x100000001b3L;
    }
}
