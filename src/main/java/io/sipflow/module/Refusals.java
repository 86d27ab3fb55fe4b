package io.sipflow.module;

import io.sipflow.component.sip.SipConstants;

import org.apache.camel.Message;

/** How a module tells the route "answer this and stop": the route's {@code sip:reply} reads these headers. */
public final class Refusals {

    private Refusals() {
    }

    public static void refuse(Message message, int code, String reason, String why) {
        message.setHeader(ModuleHeaders.REFUSED, true);
        message.setHeader(SipConstants.REPLY_CODE, code);
        message.setHeader(SipConstants.REPLY_REASON, reason);
        message.setHeader(ModuleHeaders.REASON, why);
    }
}
