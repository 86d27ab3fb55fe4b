package io.sipflow.module.forwarding;

import javax.sip.message.Response;

/**
 * The final answer to a REGISTER sent to a secondary: a real response, or SipFlow's own
 * 408 (timeout) / 503 (unreachable) with {@code response} possibly null.
 */
public record SecondaryReply(int statusCode, String reason, Response response) {
}
