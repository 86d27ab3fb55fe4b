package io.sipflow.component.sip.proxy;

import gov.nist.javax.sip.stack.HopImpl;

import java.util.Locale;
import javax.sip.address.Hop;
import javax.sip.address.SipURI;
import javax.sip.address.URI;

/** Turns a destination URI ({@code $du}) into the address the stack sends to. */
public final class Hops {

    private Hops() {
    }

    public static Hop fromUri(URI uri) {
        if (!(uri instanceof SipURI sip)) {
            throw new IllegalArgumentException("Destination must be a sip: or sips: URI, was " + uri);
        }
        String transport = sip.getTransportParam();
        if (transport == null) {
            transport = sip.isSecure() ? "tls" : "udp";
        }
        transport = transport.toLowerCase(Locale.ROOT);
        String host = sip.getMAddrParam() != null ? sip.getMAddrParam() : sip.getHost();
        int port = sip.getPort();
        if (port <= 0) {
            port = "tls".equals(transport) ? 5061 : 5060;
        }
        return new HopImpl(host, port, transport);
    }

    public static String key(Hop hop) {
        return hop.getHost() + ":" + hop.getPort() + "/" + hop.getTransport().toLowerCase(Locale.ROOT);
    }

    public static String key(String host, int port, String transport) {
        return host + ":" + port + "/" + transport.toLowerCase(Locale.ROOT);
    }
}
