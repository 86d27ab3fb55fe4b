package io.sipflow.module.location;

import java.util.List;

/**
 * What one accepted REGISTER changes in the location store (RFC 3261 §10.3 steps 6-8, applied after
 * the PBX's 2xx). Everything but the contacts is shared by the contacts of that REGISTER.
 *
 * @param wildcard   {@code Contact: *} with Expires 0: remove every binding of the AoR
 * @param received   source of the original REGISTER as {@code sip:ip:port;transport=t}
 */
public record RegistrationUpdate(
        String username,
        String domain,
        boolean wildcard,
        List<ContactUpdate> contacts,
        String received,
        String path,
        String callId,
        long cseq,
        String userAgent,
        String socket,
        String pbx,
        long nowMillis) {

    public RegistrationUpdate {
        contacts = List.copyOf(contacts);
    }
}
