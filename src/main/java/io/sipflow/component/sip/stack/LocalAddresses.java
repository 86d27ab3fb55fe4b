package io.sipflow.component.sip.stack;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Answers OpenSIPS's {@code is_myself()}: does a host[:port] name this proxy? Built once at start
 * from the listen sockets (wildcard addresses expand to every interface address), the advertised
 * address and the configured aliases.
 */
public final class LocalAddresses {

    private final Set<String> hosts;
    private final Set<Integer> ports;

    public LocalAddresses(List<ListenAddress> listen, String advertisedHost, int advertisedPort, List<String> aliases) {
        Set<String> h = new HashSet<>();
        Set<Integer> p = new HashSet<>();
        h.add(normalise(advertisedHost));
        p.add(advertisedPort);
        for (String alias : aliases) {
            h.add(normalise(alias));
        }
        for (ListenAddress address : listen) {
            p.add(address.port());
            if (isWildcard(address.host())) {
                h.addAll(interfaceAddresses());
            } else {
                h.add(normalise(address.host()));
            }
        }
        this.hosts = Set.copyOf(h);
        this.ports = Set.copyOf(p);
    }

    /** True when host (and port, when given; -1 means the default 5060) belong to this proxy. */
    public boolean isLocal(String host, int port) {
        if (host == null || !hosts.contains(normalise(host))) {
            return false;
        }
        return ports.contains(port <= 0 ? 5060 : port);
    }

    public boolean isLocalHost(String host) {
        return host != null && hosts.contains(normalise(host));
    }

    static boolean isWildcard(String host) {
        return "0.0.0.0".equals(host) || "::".equals(host) || "0:0:0:0:0:0:0:0".equals(host);
    }

    private static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h;
    }

    private static Set<String> interfaceAddresses() {
        Set<String> result = new HashSet<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    String text = a.getHostAddress();
                    int zone = text.indexOf('%');
                    result.add(normalise(zone >= 0 ? text.substring(0, zone) : text));
                }
            }
        } catch (SocketException e) {
            result.add("127.0.0.1");
        }
        return result;
    }

    /** The address to advertise when none is configured: the first listen host, or a real interface. */
    public static String defaultAdvertisedHost(List<ListenAddress> listen) {
        String host = listen.get(0).host();
        if (!isWildcard(host)) {
            return host;
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isLoopback() || !ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through
        }
        return "127.0.0.1";
    }
}
