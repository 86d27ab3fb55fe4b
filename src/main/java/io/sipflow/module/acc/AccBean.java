package io.sipflow.module.acc;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.component.sip.SipOutcome;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.events.CallDirection;

import java.time.Instant;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Route facade of call accounting ({@code bean:acc}, routes {@code acc.camel.yaml}): reads the
 * exchange of a relayed (or refused) INVITE, of a late 2xx to one ({@code sip:late-answer}) and of a
 * relayed BYE, and tells the {@link DialogTracker}.
 */
public final class AccBean {

    private final DialogTracker tracker;

    public AccBean(DialogTracker tracker) {
        this.tracker = tracker;
    }

    /**
     * After the INVITE's final response (relayed, or SipFlow's own refusal such as 404 no
     * binding): 2xx starts a dialog; SipFlow's own timeout (408, outcome {@code timeout}) is held for
     * a late answer; anything else ends the call now.
     */
    public void invite(Exchange exchange) {
        Message m = exchange.getMessage();
        Integer status = m.getHeader(SipConstants.STATUS_CODE, Integer.class);
        String reason = m.getHeader(SipConstants.REASON_PHRASE, String.class);
        if (status == null) { // refused by SipFlow with sip:reply
            status = m.getHeader(SipConstants.REPLY_CODE, Integer.class);
            reason = m.getHeader(SipConstants.REPLY_REASON, String.class);
        }
        if (status == null || status < 200) {
            return;
        }
        CallInfo call = callInfo(exchange);
        String toTag = m.getHeader(SipConstants.TO_TAG, String.class);
        Instant now = Instant.now();
        if (status < 300) {
            tracker.answered(call, toTag, status, reason, now);
        } else if (isOwnTimeout(m, status)) {
            tracker.timedOut(call, toTag, status, reason, now);
        } else {
            tracker.notAnswered(call, toTag, status, reason, now);
        }
    }

    /**
     * A 2xx to an INVITE that reached the caller after SipFlow's relay of it had ended (route
     * {@code from: sip:late-answer}): the call is answered after all, at the time the 2xx went upstream.
     */
    public void lateAnswer(Exchange exchange) {
        Message m = exchange.getMessage();
        Integer status = m.getHeader(SipConstants.STATUS_CODE, Integer.class);
        if (status == null || status < 200 || status >= 300) {
            return;
        }
        String responder = m.getHeader(SipConstants.RESPONSE_SOURCE_IP, String.class);
        tracker.lateAnswer(new LateAnswer(m.getHeader(SipConstants.CALL_ID, String.class),
                m.getHeader(SipConstants.FROM_TAG, String.class), m.getHeader(SipConstants.TO_TAG, String.class), status,
                m.getHeader(SipConstants.REASON_PHRASE, String.class),
                responder == null ? null : responder + ":" + m.getHeader(SipConstants.RESPONSE_SOURCE_PORT, String.class),
                Instant.ofEpochMilli(exchange.getClock().getCreated())));
    }

    /** After a BYE crossed SipFlow (whatever its answer): the dialog is over. */
    public void bye(Exchange exchange) {
        Message m = exchange.getMessage();
        tracker.bye(m.getHeader(SipConstants.CALL_ID, String.class), m.getHeader(SipConstants.FROM_TAG, String.class),
                requestToTag(exchange), Instant.now());
    }

    /** The dialog timer: closes dialogs that outlived the maximum dialog time; returns how many. */
    public int closeExpired() {
        return tracker.closeExpired(Instant.now());
    }

    /** The 408 SipFlow made itself because no final answer came in time: a 2xx may still follow. */
    private static boolean isOwnTimeout(Message m, int status) {
        return status == 408 && SipOutcome.TIMEOUT.headerValue().equals(m.getHeader(SipConstants.OUTCOME, String.class));
    }

    private static String requestToTag(Exchange exchange) {
        javax.sip.message.Request request = exchange.getProperty(SipConstants.PROPERTY_REQUEST, javax.sip.message.Request.class);
        if (request != null && request.getHeader(javax.sip.header.ToHeader.NAME) instanceof javax.sip.header.ToHeader to) {
            return to.getTag();
        }
        return exchange.getMessage().getHeader(SipConstants.TO_TAG, String.class);
    }

    private static CallInfo callInfo(Exchange exchange) {
        Message m = exchange.getMessage();
        String kind = m.getHeader(ModuleHeaders.SOURCE_KIND, String.class);
        CallDirection direction = "endpoint".equals(kind) ? CallDirection.ENDPOINT_TO_PBX
                : "secondary".equals(kind) ? CallDirection.SECONDARY_TO_ENDPOINT : CallDirection.PBX_TO_ENDPOINT;
        String source = m.getHeader(SipConstants.SOURCE_IP, String.class) + ":" + m.getHeader(SipConstants.SOURCE_PORT, String.class);
        String responder = m.getHeader(SipConstants.RESPONSE_SOURCE_IP, String.class);
        String destination = responder != null ? responder + ":" + m.getHeader(SipConstants.RESPONSE_SOURCE_PORT, String.class)
                : m.getHeader(SipConstants.DESTINATION_URI, String.class);
        String pbx = direction == CallDirection.ENDPOINT_TO_PBX ? m.getHeader(ModuleHeaders.PBX, String.class)
                : direction == CallDirection.PBX_TO_ENDPOINT ? "sip:" + source : null;
        String fromDomain = m.getHeader(SipConstants.FROM_DOMAIN, String.class);
        String tenant = m.getHeader(ModuleHeaders.TENANT, String.class);
        return new CallInfo(m.getHeader(SipConstants.CALL_ID, String.class), m.getHeader(SipConstants.FROM_TAG, String.class),
                m.getHeader(SipConstants.FROM_USER, String.class), fromDomain, m.getHeader(SipConstants.TO_USER, String.class),
                m.getHeader(SipConstants.TO_DOMAIN, String.class), tenant != null ? tenant : fromDomain, direction, pbx, source,
                destination, Instant.ofEpochMilli(exchange.getClock().getCreated()));
    }
}
