package io.sipflow.component.sip.proxy;

import io.sipflow.component.sip.SipProtocolConstants;

import java.util.Iterator;
import java.util.ListIterator;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContentLengthHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ProxyRequireHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/**
 * Sanity checks a proxy applies to every parsed request before routing (Kamailio's
 * {@code sanity_check}; RFC 3261 §16.3 "request validation"). The parser already refused what it
 * could not read; this catches what parses but is still wrong.
 */
final class RequestValidator {

    private RequestValidator() {
    }

    static Rejection validate(Request request) {
        for (String name : new String[] {CallIdHeader.NAME, FromHeader.NAME, ToHeader.NAME, CSeqHeader.NAME, ViaHeader.NAME}) {
            if (request.getHeader(name) == null) {
                return Rejection.of(400, "Missing " + name);
            }
        }
        // RFC 3261 §7.3.1: these are single-valued; two values make the request ambiguous
        for (String name : new String[] {CallIdHeader.NAME, FromHeader.NAME, ToHeader.NAME, CSeqHeader.NAME,
                MaxForwardsHeader.NAME, ContentLengthHeader.NAME}) {
            if (count(request.getHeaders(name)) > 1) {
                return Rejection.of(400, "Multiple " + name + " values");
            }
        }
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        if (!request.getMethod().equals(cseq.getMethod())) {
            return Rejection.of(400, "CSeq method does not match the request method");
        }
        ViaHeader topVia = (ViaHeader) request.getHeader(ViaHeader.NAME);
        if (SipProtocolConstants.MAGIC_COOKIE.equals(topVia.getBranch())) {
            // RFC 4475 §3.2.1: a bare magic cookie identifies no transaction
            return Rejection.of(400, "Via branch has no transaction identifier");
        }
        URI requestUri = request.getRequestURI();
        String scheme = requestUri.getScheme();
        // RFC 3261 §16.3 step 2: a proxy that does not understand the R-URI scheme answers 416
        if (!"sip".equalsIgnoreCase(scheme) && !"sips".equalsIgnoreCase(scheme) && !"tel".equalsIgnoreCase(scheme)) {
            return Rejection.of(416, "Unsupported URI Scheme");
        }
        if (requestUri instanceof SipURI sip && sip.getHeaderNames() != null && sip.getHeaderNames().hasNext()) {
            // RFC 3261 §19.1.5: escaped headers are not allowed in a Request-URI
            return Rejection.of(400, "Headers not allowed in the Request-URI");
        }
        if (Request.REGISTER.equals(request.getMethod())) {
            URI to = ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI();
            if (!(to instanceof SipURI)) {
                // RFC 3261 §10.3 step 5: the address-of-record must be a SIP or SIPS URI
                return Rejection.of(400, "To must be a SIP URI in REGISTER");
            }
        }
        ListIterator<?> proxyRequire = request.getHeaders(ProxyRequireHeader.NAME);
        if (proxyRequire.hasNext()) {
            // RFC 3261 §16.3 step 5: we support no proxy extension, so every required one is unsupported
            StringBuilder tags = new StringBuilder();
            while (proxyRequire.hasNext()) {
                if (tags.length() > 0) {
                    tags.append(", ");
                }
                tags.append(((ProxyRequireHeader) proxyRequire.next()).getOptionTag());
            }
            return new Rejection(420, "Bad Extension", "Unsupported", tags.toString());
        }
        return null;
    }

    private static int count(Iterator<?> it) {
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return n;
    }
}
