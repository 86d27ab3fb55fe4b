package gov.nist.javax.sip.stack;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Sends bytes already encoded out of a message channel's own socket: JAIN-SIP keeps that send
 * package-private ({@code MessageChannel.sendMessage(byte[], InetAddress, int, boolean)}), the one a
 * server transaction uses to resend its last response.
 */
public final class UdpResend {

    private UdpResend() {
    }

    public static void send(MessageChannel channel, byte[] message, InetAddress to, int port) throws IOException {
        channel.sendMessage(message, to, port, false);
    }
}
