package io.sipflow.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends raw bytes (hand-written or torture messages) over UDP or TCP and reads what comes back,
 * each read bounded by a socket timeout (a blocking receive with a deadline, not a sleep).
 */
public final class RawSipClient implements AutoCloseable {

    private final DatagramSocket udp;
    private final InetSocketAddress target;
    private Socket tcp;
    private boolean tcpClosed;

    public RawSipClient(String localHost, String targetHost, int targetPort) throws IOException {
        this(localHost, 0, targetHost, targetPort);
    }

    /** Binds the UDP socket to localHost:localPort (0 = any free port). */
    public RawSipClient(String localHost, int localPort, String targetHost, int targetPort) throws IOException {
        this.udp = new DatagramSocket(null);
        this.udp.setReuseAddress(true);
        this.udp.bind(new InetSocketAddress(InetAddress.getByName(localHost), localPort));
        this.target = new InetSocketAddress(InetAddress.getByName(targetHost), targetPort);
    }

    public int localPort() {
        return udp.getLocalPort();
    }

    public void sendUdp(byte[] bytes) throws IOException {
        udp.send(new DatagramPacket(bytes, bytes.length, target));
    }

    public void sendUdp(String text) throws IOException {
        sendUdp(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Next datagram's text, or null if none arrives within the timeout. */
    public String receiveUdp(Duration timeout) throws IOException {
        byte[] buffer = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.setSoTimeout((int) timeout.toMillis());
        try {
            udp.receive(packet);
            return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Receives datagrams until one satisfies the predicate or the deadline passes; returns it or null. */
    public String receiveUdpMatching(java.util.function.Predicate<String> predicate, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String msg = receiveUdp(Duration.ofNanos(Math.max(left, 1_000_000)));
            if (msg == null) {
                return null;
            }
            if (predicate.test(msg)) {
                return msg;
            }
        }
    }

    public void sendTcp(byte[] bytes) throws IOException {
        if (tcp == null) {
            tcp = new Socket();
            tcp.connect(target, 5000);
        }
        tcp.getOutputStream().write(bytes);
        tcp.getOutputStream().flush();
    }

    /** Reads from the TCP connection until the timeout; returns the text read (may hold several messages). */
    public String receiveTcp(Duration timeout) throws IOException {
        if (tcp == null) {
            return null;
        }
        tcp.setSoTimeout((int) timeout.toMillis());
        InputStream in = tcp.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n = in.read(buffer);
            if (n < 0) {
                tcpClosed = true;
                return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
            }
            out.write(buffer, 0, n);
            // drain whatever else is already there
            tcp.setSoTimeout(200);
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
            tcpClosed = n < 0;
        } catch (SocketTimeoutException e) {
            // deadline reached
        } catch (IOException closed) {
            tcpClosed = true; // reset by the peer
        }
        return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
    }

    /** A minimal OPTIONS to {@code requestUri}, its Via naming {@code transport} 127.0.0.1:{@code viaPort} with rport. */
    public static String options(String requestUri, String transport, int viaPort, String callId) {
        return "OPTIONS " + requestUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + viaPort + ";branch=z9hG4bK-" + callId + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:monitor@127.0.0.1>;tag=f-" + callId + "\r\n"
                + "To: <" + requestUri + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** True once a read found the TCP connection closed or reset by the other side. */
    public boolean tcpClosed() {
        return tcpClosed;
    }

    /** Status codes of all responses in a chunk of text (several messages may be concatenated). */
    public static List<Integer> statusCodes(String text) {
        List<Integer> codes = new ArrayList<>();
        if (text == null) {
            return codes;
        }
        for (String line : text.split("\r\n")) {
            if (line.startsWith("SIP/2.0 ") && line.length() >= 11) {
                try {
                    codes.add(Integer.parseInt(line.substring(8, 11)));
                } catch (NumberFormatException ignored) {
                    // not a status line
                }
            }
        }
        return codes;
    }

    public static int statusCode(String response) {
        List<Integer> codes = statusCodes(response);
        return codes.isEmpty() ? -1 : codes.get(0);
    }

    @Override
    public void close() throws IOException {
        udp.close();
        if (tcp != null) {
            tcp.close();
        }
    }
}
