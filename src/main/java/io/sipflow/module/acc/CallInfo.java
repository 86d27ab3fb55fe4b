package io.sipflow.module.acc;

import io.sipflow.module.events.CallDirection;

import java.time.Instant;

/**
 * What the CDR of a call needs to know about its INVITE, captured when the INVITE's final response
 * is known.
 *
 * @param callId      Call-ID
 * @param fromTag     the caller's tag
 * @param fromUser    From user
 * @param fromDomain  From domain
 * @param toUser      To user
 * @param toDomain    To domain
 * @param tenant      tenant domain
 * @param direction   which way the call went
 * @param pbx         the tenant PBX involved
 * @param source      {@code ip:port} the INVITE came from
 * @param destination {@code ip:port} (or URI) it was relayed to
 * @param created     when the INVITE arrived
 */
public record CallInfo(String callId, String fromTag, String fromUser, String fromDomain, String toUser, String toDomain,
        String tenant, CallDirection direction, String pbx, String source, String destination, Instant created) {

    /** The same call, relayed to (answered from) another {@code ip:port}. */
    public CallInfo withDestination(String otherDestination) {
        return new CallInfo(callId, fromTag, fromUser, fromDomain, toUser, toDomain, tenant, direction, pbx, source,
                otherDestination, created);
    }
}
