package io.sipflow.module.forwarding;

import java.text.ParseException;
import java.util.List;
import javax.sip.InvalidArgumentException;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;

/**
 * Builds the REGISTERs SipFlow sends to a secondary registrar, the way a well-behaved UA does
 * (RFC 3261 §10.2): Request-URI = the secondary's domain, From = To = the user's AoR there, one
 * Call-ID and From tag per AoR, and a Contact pointing at SipFlow so the secondary's calls come back
 * through it (with the endpoint's own user part, which the tenant lookup understands).
 */
public final class RegisterRequestFactory {

    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final String contactHost;
    private final int contactPort;

    public RegisterRequestFactory(MessageFactory messages, HeaderFactory headers, AddressFactory addresses,
            String contactHost, int contactPort) {
        this.messages = messages;
        this.headers = headers;
        this.addresses = addresses;
        this.contactHost = contactHost;
        this.contactPort = contactPort;
    }

    /** {@code host:port} of the Contact SipFlow registers (to find it in the secondary's 2xx). */
    public String contactHostPort() {
        return contactHost + ":" + contactPort;
    }

    /**
     * @param credentials the digest user and password, used only when {@code challenge} is not null
     */
    public Request register(SecondaryRegistration reg, String secondaryDomain, int expires, DigestChallenge challenge,
            String[] credentials, String cnonce) throws ParseException, InvalidArgumentException {
        SipURI requestUri = addresses.createSipURI(null, secondaryDomain);
        Address aor = addresses.createAddress(addresses.createSipURI(reg.secondaryUsername, secondaryDomain));
        SipURI contactUri = addresses.createSipURI(reg.username, contactHost);
        contactUri.setPort(contactPort);
        Request request = messages.createRequest(requestUri, Request.REGISTER,
                headers.createCallIdHeader(reg.callId),
                headers.createCSeqHeader(reg.cseq, Request.REGISTER),
                headers.createFromHeader(aor, reg.fromTag),
                headers.createToHeader((Address) aor.clone(), null),
                List.of(),
                headers.createMaxForwardsHeader(70));
        request.addHeader(headers.createContactHeader(addresses.createAddress(contactUri)));
        request.addHeader(headers.createExpiresHeader(expires));
        request.addHeader(headers.createUserAgentHeader(List.of("SipFlow")));
        if (challenge != null) {
            String value = DigestAnswer.authorization(challenge, credentials[0], credentials[1], Request.REGISTER,
                    requestUri.toString(), reg.nonceCount, cnonce);
            request.addHeader(headers.createHeader(challenge.proxy() ? "Proxy-Authorization" : "Authorization",
                    value));
        }
        return request;
    }
}
