package io.sipflow.module.acc;

import java.time.Instant;

/**
 * A 2xx to an INVITE that reached the caller after SipFlow's relay of it had ended (route
 * {@code acc-late-answer}, consumer {@code sip:late-answer}): the call is established after all.
 *
 * @param callId    Call-ID
 * @param fromTag   the caller's tag
 * @param toTag     the To tag of the 2xx (the callee side of the dialog it established)
 * @param code      its status code
 * @param reason    its reason phrase
 * @param responder {@code ip:port} it came from, or null when unknown
 * @param at        when it went upstream
 */
public record LateAnswer(String callId, String fromTag, String toTag, int code, String reason, String responder, Instant at) {
}
