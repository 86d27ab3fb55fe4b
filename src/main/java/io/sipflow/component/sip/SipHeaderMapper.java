package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.component.sip.stack.LocalAddresses;

import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.UserAgentHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.Message;

/** Fills the {@code CamelSip*} headers from SIP messages, always in the same way. */
final class SipHeaderMapper {

    private SipHeaderMapper() {
    }

    static void mapRequest(Message message, ServerTransactionContext ctx, LocalAddresses local) {
        Request request = ctx.request();
        message.setHeader(SipConstants.METHOD, request.getMethod());
        URI ruri = request.getRequestURI();
        message.setHeader(SipConstants.REQUEST_URI, ruri.toString());
        if (ruri instanceof SipURI sip) {
            message.setHeader(SipConstants.REQUEST_URI_USER, sip.getUser());
            message.setHeader(SipConstants.REQUEST_URI_HOST, sip.getHost());
            message.setHeader(SipConstants.REQUEST_URI_IS_LOCAL, local.isLocal(sip.getHost(), sip.getPort()));
        } else {
            message.setHeader(SipConstants.REQUEST_URI_IS_LOCAL, false);
        }
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        if (from != null) {
            URI uri = from.getAddress().getURI();
            message.setHeader(SipConstants.FROM_URI, uri.toString());
            if (uri instanceof SipURI sip) {
                message.setHeader(SipConstants.FROM_USER, sip.getUser());
                message.setHeader(SipConstants.FROM_DOMAIN, sip.getHost());
            }
            message.setHeader(SipConstants.FROM_TAG, from.getTag());
        }
        mapTo(message, (ToHeader) request.getHeader(ToHeader.NAME));
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        if (callId != null) {
            message.setHeader(SipConstants.CALL_ID, callId.getCallId());
        }
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        if (cseq != null) {
            message.setHeader(SipConstants.CSEQ, cseq.getSeqNumber());
        }
        UserAgentHeader ua = (UserAgentHeader) request.getHeader(UserAgentHeader.NAME);
        if (ua != null) {
            message.setHeader(SipConstants.USER_AGENT, String.join(" ", toStrings(ua.getProduct())));
        }
        ExpiresHeader expires = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        if (expires != null) {
            message.setHeader(SipConstants.EXPIRES, expires.getExpires());
        }
        message.setHeader(SipConstants.SOURCE_IP, ctx.sourceIp());
        message.setHeader(SipConstants.SOURCE_PORT, ctx.sourcePort());
        message.setHeader(SipConstants.TRANSPORT, ctx.transport());
        message.setHeader(SipConstants.LOCAL_SOCKET, ctx.localSocket());
    }

    static void mapFinalResponse(Message message, Response response, SipOutcome outcome) {
        message.setBody(response);
        message.setHeader(SipConstants.STATUS_CODE, response.getStatusCode());
        message.setHeader(SipConstants.REASON_PHRASE, response.getReasonPhrase());
        message.setHeader(SipConstants.OUTCOME, outcome.headerValue());
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (to != null && to.getTag() != null) {
            message.setHeader(SipConstants.TO_TAG, to.getTag());
        }
        if (response instanceof gov.nist.javax.sip.message.SIPResponse sip && sip.getRemoteAddress() != null) {
            message.setHeader(SipConstants.RESPONSE_SOURCE_IP, sip.getRemoteAddress().getHostAddress());
            message.setHeader(SipConstants.RESPONSE_SOURCE_PORT, sip.getRemotePort());
        } else {
            message.removeHeader(SipConstants.RESPONSE_SOURCE_IP);
            message.removeHeader(SipConstants.RESPONSE_SOURCE_PORT);
        }
    }

    /** {@link SipConstants#LOCAL_OVERLOAD}: set when the branch timed out during local overload, else removed. */
    static void mapLocalOverload(Message message, io.sipflow.component.sip.proxy.ClientBranch branch) {
        if (branch != null && branch.timedOutInLocalOverload()) {
            message.setHeader(SipConstants.LOCAL_OVERLOAD, true);
        } else {
            message.removeHeader(SipConstants.LOCAL_OVERLOAD);
        }
    }

    private static void mapTo(Message message, ToHeader to) {
        if (to == null) {
            return;
        }
        URI uri = to.getAddress().getURI();
        message.setHeader(SipConstants.TO_URI, uri.toString());
        if (uri instanceof SipURI sip) {
            message.setHeader(SipConstants.TO_USER, sip.getUser());
            message.setHeader(SipConstants.TO_DOMAIN, sip.getHost());
        }
        message.setHeader(SipConstants.TO_TAG, to.getTag());
    }

    private static java.util.List<String> toStrings(java.util.ListIterator<?> it) {
        java.util.List<String> out = new java.util.ArrayList<>();
        while (it.hasNext()) {
            out.add(String.valueOf(it.next()));
        }
        return out;
    }
}
