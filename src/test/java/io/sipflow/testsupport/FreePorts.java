package io.sipflow.testsupport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds ports free on both UDP and TCP for one address (SIP listens on both). */
public final class FreePorts {

    private FreePorts() {
    }

    /** Ports handed out already in this JVM: never handed out twice, even once released. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static int udpAndTcp(String host) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
                int port = udp.getLocalPort();
                if (!HANDED_OUT.add(port)) {
                    continue;
                }
                try (ServerSocket tcp = new ServerSocket()) {
                    tcp.setReuseAddress(false);
                    tcp.bind(new InetSocketAddress(InetAddress.getByName(host), port));
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no free port on " + host);
    }
}
