package io.sipflow.component.sip.stack;

import java.time.Duration;
import java.util.List;

/**
 * Validated settings of the one SIP stack. Built by the component from its properties (which
 * Camel binds from {@code sipflow.sip.*}); every invalid value fails with the property's name.
 *
 * @param listen                       sockets to open ({@code sipflow.sip.listen})
 * @param advertisedHost               host put into Via, Record-Route, Contact
 * @param advertisedPort               port put into Via, Record-Route, Contact
 * @param aliases                      extra host names that mean "this proxy" ({@code is_myself})
 * @param threadPoolSize               JAIN-SIP message processing threads
 * @param maxMessageSize               larger messages are refused
 * @param finalResponseTimeout         tm {@code fr_timeout}
 * @param inviteFinalResponseTimeout   tm {@code fr_inv_timeout}
 * @param maxServerTransactions        JAIN-SIP's transaction table limit; from 80 % of it new requests are shed
 * @param tcpConnectTimeout            how long opening a TCP connection to a next hop may take
 * @param udpBufferSize                UDP socket receive/send buffer (the kernel caps it at net.core.rmem_max)
 * @param waitTimer                    tm {@code wt_timer}: how long a non-INVITE server transaction stays
 *                                     after its final response over UDP, absorbing retransmissions (RFC 3261
 *                                     Timer J, 32 s in the RFC; Kamailio and OpenSIPS keep 5 s)
 * @param fastHeaderParser             parse the plain forms of Via, From, To, Contact, Call-ID, CSeq,
 *                                     Max-Forwards, Content-Length, Expires without JAIN-SIP's lexer
 *                                     ({@link FastHeaderParser}); {@code false}: JAIN-SIP parses every header
 * @param overload                     load shedding ({@code sipflow.sip.overload.*})
 */
public record SipStackSettings(
        List<ListenAddress> listen,
        String advertisedHost,
        int advertisedPort,
        List<String> aliases,
        int threadPoolSize,
        int maxMessageSize,
        Duration finalResponseTimeout,
        Duration inviteFinalResponseTimeout,
        int maxServerTransactions,
        Duration tcpConnectTimeout,
        int udpBufferSize,
        Duration waitTimer,
        boolean fastHeaderParser,
        OverloadSettings overload) {

    public SipStackSettings {
        listen = List.copyOf(listen);
        aliases = List.copyOf(aliases);
        requirePositive(threadPoolSize, "sipflow.sip.thread-pool-size");
        requirePositive(maxMessageSize, "sipflow.sip.max-message-size");
        requirePositive(maxServerTransactions, "sipflow.sip.max-server-transactions");
        requirePositive(udpBufferSize, "sipflow.sip.udp-buffer-size");
        if (overload == null) {
            throw new IllegalArgumentException("overload settings missing");
        }
        if (advertisedPort <= 0 || advertisedPort > 65535) {
            throw new IllegalArgumentException("sipflow.sip.advertised-port out of range: " + advertisedPort);
        }
        if (finalResponseTimeout.isNegative() || finalResponseTimeout.isZero()) {
            throw new IllegalArgumentException("sipflow.sip.fr-timeout must be positive");
        }
        if (tcpConnectTimeout.isNegative() || tcpConnectTimeout.isZero()) {
            throw new IllegalArgumentException("sipflow.sip.tcp-connect-timeout must be positive");
        }
        if (inviteFinalResponseTimeout.isNegative() || inviteFinalResponseTimeout.isZero()) {
            throw new IllegalArgumentException("sipflow.sip.fr-inv-timeout must be positive");
        }
        if (waitTimer.compareTo(MIN_WAIT_TIMER) < 0 || waitTimer.compareTo(MAX_WAIT_TIMER) > 0) {
            throw new IllegalArgumentException("sipflow.sip.wait-timer must be between 64ms and 32s, was " + waitTimer.toMillis() + "ms");
        }
    }

    /** Timer J is 64 ticks of the transaction's timer interval: 64 ms is one tick of 1 ms. */
    static final Duration MIN_WAIT_TIMER = Duration.ofMillis(64);
    /** RFC 3261's own Timer J (64 x T1). */
    static final Duration MAX_WAIT_TIMER = Duration.ofSeconds(32);

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
