package io.sipflow.testsupport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds ports free on both UDP and TCP for one address (SIP listens on both). The ports come from
 * below the kernel's ephemeral range: a port from that range, found free and released, can be handed
 * by the kernel to the next outgoing connection (to the test database or broker) before the server
 * binds it, and the bind then fails with "Address already in use".
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    /** Ports handed out already in this JVM: never handed out twice, even once released. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int udpAndTcp(String host) {
        int ceiling = ephemeralRangeStart() - 1;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ceiling > LOWEST + 1000 ? ThreadLocalRandom.current().nextInt(LOWEST, ceiling + 1) : anyPort(host);
            if (HANDED_OUT.add(port) && freeOnBoth(host, port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on " + host);
    }

    private static boolean freeOnBoth(String host, int port) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), port));
                ServerSocket tcp = new ServerSocket()) {
            tcp.setReuseAddress(false);
            tcp.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int anyPort(String host) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
            return udp.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** First port of the kernel's ephemeral range (Linux); 0 where it cannot be read. */
    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
