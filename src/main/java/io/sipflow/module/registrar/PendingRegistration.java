package io.sipflow.module.registrar;

import java.util.List;

/**
 * A REGISTER on its way to the PBX: what SipFlow will store if, and only if, the PBX answers 2xx.
 * Travels as an exchange property between the relay and the save.
 *
 * @param received the endpoint's source as seen on the socket, {@code sip:ip:port;transport=t}:
 *                 the reply comes from the PBX, so this is captured before relaying (seed 003)
 */
public record PendingRegistration(
        String username,
        String domain,
        boolean wildcard,
        List<RequestContact> contacts,
        Integer requestExpires,
        String callId,
        long cseq,
        String received,
        String path,
        String userAgent,
        String socket) {

    public PendingRegistration {
        contacts = List.copyOf(contacts);
    }

    /** A Contact of the REGISTER as the endpoint sent it. */
    public record RequestContact(long contactId, String uri, Integer expires, float q, String instance) {
    }

    /** True for a fetch (no Contact): nothing to save. */
    public boolean isQuery() {
        return contacts.isEmpty() && !wildcard;
    }
}
