package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.stack.SipFlowMessageProcessorFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ListeningPoint;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JAIN-SIP stack of a SipFlow process, its listening points and providers. One provider per
 * listen address (UDP and TCP on the same host:port share it), one listener for all of them.
 */
public final class SipStackRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(SipStackRuntime.class);
    private static final AtomicInteger STACK_IDS = new AtomicInteger();

    private final SipStackSettings settings;
    private final SipCounters counters = new SipCounters();
    private final AnsweredRequests answeredRequests;
    private final LocalAddresses localAddresses;
    private final List<SipProvider> providers = new ArrayList<>();
    private SipStack stack;
    private MessageFactory messageFactory;
    private HeaderFactory headerFactory;
    private AddressFactory addressFactory;
    private OverloadGuard overloadGuard;
    private GcPauseWatch gcPauseWatch;

    public SipStackRuntime(SipStackSettings settings) {
        this.settings = settings;
        this.answeredRequests = new AnsweredRequests(settings.waitTimer(), counters.answeredRetransmissions);
        this.localAddresses = new LocalAddresses(settings.listen(), settings.advertisedHost(),
                settings.advertisedPort(), settings.aliases());
    }

    public synchronized void start(SipListener listener) throws Exception {
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties props = stackProperties("sipflow-" + STACK_IDS.incrementAndGet());
        // SipFactory caches stacks by name; a fresh factory state per runtime keeps tests isolated
        factory.resetFactory();
        factory.setPathName("gov.nist");
        // JAIN-SIP's stack, but retransmissions of answered non-INVITE requests are answered from
        // answeredRequests and a stray RFC 3261 response skips the scan of every client transaction
        stack = new SipFlowSipStack(props, answeredRequests);
        CountingMessageParserFactory.register(stack, counters, settings.maxMessageSize(), settings.fastHeaderParser());
        messageFactory = factory.createMessageFactory();
        headerFactory = factory.createHeaderFactory();
        addressFactory = factory.createAddressFactory();

        Map<String, List<ListenAddress>> byHostPort = new LinkedHashMap<>();
        for (ListenAddress address : settings.listen()) {
            byHostPort.computeIfAbsent(address.host() + "|" + address.port(), k -> new ArrayList<>()).add(address);
        }
        try {
            for (List<ListenAddress> group : byHostPort.values()) {
                SipProvider provider = null;
                for (ListenAddress address : group) {
                    ListeningPoint lp;
                    try {
                        lp = stack.createListeningPoint(address.host(), address.port(), address.transport());
                    } catch (Exception e) {
                        throw new IllegalStateException("Cannot listen on " + address + " (sipflow.sip.listen): "
                                + e.getMessage(), e);
                    }
                    if (provider == null) {
                        provider = stack.createSipProvider(lp);
                    } else {
                        provider.addListeningPoint(lp);
                    }
                    LOG.info("SIP listening on {}", address);
                }
                provider.addSipListener(listener);
                providers.add(provider);
            }
            startOverloadGuard();
            stack.start();
        } catch (Exception e) {
            stop();
            throw e;
        }
        LOG.info("SIP stack started: advertised {}:{}, {} processing threads", settings.advertisedHost(),
                settings.advertisedPort(), settings.threadPoolSize());
    }

    private void startOverloadGuard() {
        JainSipReceiveQueues queues = JainSipReceiveQueues.of(providers);
        overloadGuard = new OverloadGuard(settings.overload(), queues, this::serverTransactionCount,
                settings.maxServerTransactions(), counters.shedRequests, counters.staleDrops, System.nanoTime());
        SheddingValve.register(stack, new LoadShedder(overloadGuard, counters, (gov.nist.javax.sip.stack.SIPTransactionStack) stack));
        overloadGuard.start();
        OverloadSettings o = settings.overload();
        if (o.enabled()) {
            gcPauseWatch = GcPauseWatch.start(o.queueDelayHigh());
        }
        LOG.info("Load shedding {}: receive queue delay {}/{} ms ({} UDP queue(s)), drop after {} ms, max in flight {}, "
                + "admission cap {}, Retry-After {}+{} s", o.enabled() ? "on" : "off", o.queueDelayHigh().toMillis(),
                o.queueDelayLow().toMillis(), queues.queueCount(), o.dropAfter().toMillis(),
                o.maxInFlight() == 0 ? "none" : o.maxInFlight(), o.maxRate() == 0 ? "none" : o.maxRate() + "/s",
                o.retryAfter(), o.retryAfterSpread());
    }

    /** The wait timer in whole seconds, rounded up, at least 1 (JAIN-SIP's linger is in seconds; 0 would end TCP transactions before their ACK). */
    static long lingerSeconds(Duration waitTimer) {
        return Math.max(1, (waitTimer.toMillis() + 999) / 1000);
    }

    private Properties stackProperties(String name) {
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", name);
        // a proxy keeps no dialog state of its own (RFC 3261 §16: proxies are transaction stateful only)
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("javax.sip.ROUTER_PATH", NextHopRouter.class.getName());
        // listener called on the stack's own bounded pool, concurrently: no global lock per message
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(settings.threadPoolSize()));
        p.setProperty("gov.nist.javax.sip.TCP_POST_PARSING_THREAD_POOL_SIZE", Integer.toString(settings.threadPoolSize()));
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(settings.maxMessageSize()));
        p.setProperty("gov.nist.javax.sip.MAX_SERVER_TRANSACTIONS", Integer.toString(settings.maxServerTransactions()));
        p.setProperty("gov.nist.javax.sip.MAX_CLIENT_TRANSACTIONS", Integer.toString(settings.maxServerTransactions()));
        // TCP on NIO. Outbound connects are blocking and bounded (the non-blocking mode loses connect
        // failures); ProxyCore runs every TCP send on its own pool, never on a SIP thread. An accepted
        // connection is registered for reuse when accepted, not racily by its first requests
        p.setProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", SipFlowMessageProcessorFactory.class.getName());
        p.setProperty("gov.nist.javax.sip.NIO_BLOCKING_MODE", "BLOCKING");
        p.setProperty("gov.nist.javax.sip.CONNECTION_TIMEOUT", Long.toString(settings.tcpConnectTimeout().toMillis()));
        p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.CACHE_SERVER_CONNECTIONS", "true");
        // retransmitted 2xx to INVITE arrive without a transaction and must be relayed statelessly
        p.setProperty("gov.nist.javax.sip.REJECT_STRAY_RESPONSES", "false");
        p.setProperty("gov.nist.javax.sip.AGGRESSIVE_CLEANUP", "true");
        // an ended INVITE transaction (2xx sent, ACK received, Timer H) stays this long to absorb
        // retransmitted INVITEs (RFC 6026's Accepted state) before it leaves the table: the wait
        // timer, as Kamailio's tm keeps every completed transaction, instead of JAIN-SIP's 8 s. At
        // 1,500 calls/s each second of it held ~1,500 INVITEs with their SDP. Whole seconds, at least 1;
        // JAIN-SIP keeps it in a static: one value per JVM (the last stack started sets it)
        p.setProperty("gov.nist.javax.sip.LINGER_TIMER", Long.toString(lingerSeconds(settings.waitTimer())));
        // transaction timers on a timing wheel: the default java.util.Timer's heap cost 10 % of the CPU at load
        p.setProperty("gov.nist.javax.sip.TIMER_CLASS_NAME", TimingWheelSipTimer.class.getName());
        // a proxy relays NOTIFY outside any subscription it knows of (MWI from Asterisk)
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "true");
        // "None" for server transactions: a request without RFC 3261's magic cookie in its branch is
        // matched by JAIN-SIP against every server transaction's original request, so they must
        // keep it ("Aggressive" drops it at completion: such a request then failed with an NPE and
        // was lost); "Normal" re-parses every request when its transaction ends (27 % of the timer
        // thread at 1,500 REGISTER/s). Answered non-INVITE ones swap it for the fields matching
        // reads (ProxyCore, MatchingSkeleton). Client transactions, matched by branch only, are set
        // to "Aggressive" one by one (ProxyCore): completed, they keep only their branch, and the
        // wait timer's thousands of them no longer hold relayed requests and answers for every GC
        p.setProperty("gov.nist.javax.sip.RELEASE_REFERENCES_STRATEGY", "None");
        // socket buffers large enough to ride out a GC pause without dropping datagrams
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", Integer.toString(settings.udpBufferSize()));
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", Integer.toString(settings.udpBufferSize()));
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", Slf4jServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", CountingMessageParserFactory.class.getName());
        // load shedding before any transaction exists: the stack's congestion-control hook
        p.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", SheddingValve.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "ERROR");
        return p;
    }

    public synchronized void stop() {
        if (stack == null) {
            return;
        }
        for (SipProvider provider : providers) {
            try {
                for (ListeningPoint lp : provider.getListeningPoints()) {
                    provider.removeListeningPoint(lp);
                    stack.deleteListeningPoint(lp);
                }
                stack.deleteSipProvider(provider);
            } catch (Exception e) {
                LOG.debug("Error while removing provider", e);
            }
        }
        providers.clear();
        if (overloadGuard != null) {
            overloadGuard.close();
        }
        if (gcPauseWatch != null) {
            gcPauseWatch.close();
            gcPauseWatch = null;
        }
        SheddingValve.unregister(stack);
        CountingMessageParserFactory.unregister(stack);
        stack.stop();
        stack = null;
        LOG.info("SIP stack stopped");
    }

    public SipStackSettings settings() {
        return settings;
    }

    /** The answers of completed non-INVITE transactions kept for their retransmissions. */
    public AnsweredRequests answeredRequests() {
        return answeredRequests;
    }

    public SipCounters counters() {
        return counters;
    }

    public LocalAddresses localAddresses() {
        return localAddresses;
    }

    public MessageFactory messageFactory() {
        return messageFactory;
    }

    public HeaderFactory headerFactory() {
        return headerFactory;
    }

    public AddressFactory addressFactory() {
        return addressFactory;
    }

    public SipStack stack() {
        return stack;
    }

    /** The provider that sends by default: the first listen address. */
    public SipProvider defaultProvider() {
        return providers.get(0);
    }

    /** The load-shedding detector; null before the stack started. */
    public OverloadGuard overloadGuard() {
        return overloadGuard;
    }

    /** Number of server transactions the stack currently holds (for load shedding). */
    public int serverTransactionCount() {
        return stack instanceof gov.nist.javax.sip.stack.SIPTransactionStack s ? s.getServerTransactionTableSize() : 0;
    }
}
