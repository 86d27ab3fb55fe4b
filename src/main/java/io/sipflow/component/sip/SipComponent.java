package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.LateAnswers;
import io.sipflow.component.sip.proxy.ProxyCore;
import io.sipflow.component.sip.proxy.RequestRoutes;
import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.component.sip.proxy.SipEventDispatcher;
import io.sipflow.component.sip.stack.ListenAddress;
import io.sipflow.component.sip.stack.LocalAddresses;
import io.sipflow.component.sip.stack.OverloadSettings;
import io.sipflow.component.sip.stack.SipStackRuntime;
import io.sipflow.component.sip.stack.SipStackSettings;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.message.Response;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.util.TimeUtils;

/**
 * The {@code sip:} component. Owns the one JAIN-SIP stack (started and stopped with the
 * CamelContext), its listening points and the proxy core; endpoints are views on it. Its
 * properties are bound from {@code camel.component.sip.*}, which {@code application.properties}
 * maps to the operator-facing {@code sipflow.sip.*} keys.
 */
public class SipComponent extends DefaultComponent implements RequestRoutes, LateAnswers {

    private String listen = "udp:0.0.0.0:5060,tcp:0.0.0.0:5060";
    private String advertisedHost;
    private int advertisedPort;
    private String aliases = "";
    private int threadPoolSize = 8;
    private int maxMessageSize = 65_535;
    private String frTimeout = "5s";
    private String frInvTimeout = "120s";
    private int maxServerTransactions = 500_000;
    private String tcpConnectTimeout = "2s";
    private int udpBufferSize = 4 * 1024 * 1024;
    private String waitTimer = "5s";
    private String fastHeaderParser = "true";
    // sipflow.sip.overload.*: strings, parsed in settings() so that a bad value names its property
    private String overloadEnabled = Boolean.toString(OverloadSettings.DEFAULTS.enabled());
    private String overloadQueueDelayHigh = OverloadSettings.DEFAULTS.queueDelayHigh().toMillis() + "ms";
    private String overloadQueueDelayLow = OverloadSettings.DEFAULTS.queueDelayLow().toMillis() + "ms";
    private String overloadDropAfter = OverloadSettings.DEFAULTS.dropAfter().toMillis() + "ms";
    private String overloadMaxInFlight = Integer.toString(OverloadSettings.DEFAULTS.maxInFlight());
    private String overloadMaxRate = Integer.toString(OverloadSettings.DEFAULTS.maxRate());
    private String overloadRetryAfter = Integer.toString(OverloadSettings.DEFAULTS.retryAfter());
    private String overloadRetryAfterSpread = Integer.toString(OverloadSettings.DEFAULTS.retryAfterSpread());

    private final Map<SipEndpointKind, DefaultConsumer> consumers = new ConcurrentHashMap<>();
    private SipStackRuntime runtime;
    private ProxyCore core;
    private SipEventDispatcher dispatcher;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        SipEndpointKind kind = SipEndpointKind.fromPath(remaining);
        SipEndpoint endpoint = new SipEndpoint(uri, this, kind);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        SipStackSettings settings = settings();
        runtime = new SipStackRuntime(settings);
        core = new ProxyCore(runtime, this);
        dispatcher = new SipEventDispatcher(core, this);
        runtime.start(dispatcher);
    }

    @Override
    protected void doStop() throws Exception {
        if (dispatcher != null) {
            dispatcher.stopAccepting();
        }
        if (runtime != null) {
            runtime.stop();
        }
        if (core != null) {
            core.shutdown();
        }
        runtime = null;
        core = null;
        dispatcher = null;
        super.doStop();
    }

    /** Builds and validates the stack settings; errors name the operator-facing property. */
    SipStackSettings settings() {
        List<ListenAddress> addresses = ListenAddress.parseList(listen, "sipflow.sip.listen");
        String host = advertisedHost == null || advertisedHost.isBlank()
                ? LocalAddresses.defaultAdvertisedHost(addresses) : advertisedHost.trim();
        int port = advertisedPort > 0 ? advertisedPort : addresses.get(0).port();
        List<String> aliasList = Arrays.stream(aliases == null ? new String[0] : aliases.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new SipStackSettings(addresses, host, port, aliasList, threadPoolSize, maxMessageSize,
                duration(frTimeout, "sipflow.sip.fr-timeout"), duration(frInvTimeout, "sipflow.sip.fr-inv-timeout"),
                maxServerTransactions, duration(tcpConnectTimeout, "sipflow.sip.tcp-connect-timeout"), udpBufferSize,
                duration(waitTimer, "sipflow.sip.wait-timer"),
                bool(fastHeaderParser, "sipflow.sip.fast-header-parser"), overloadSettings());
    }

    private OverloadSettings overloadSettings() {
        return new OverloadSettings(bool(overloadEnabled, "sipflow.sip.overload.enabled"),
                duration(overloadQueueDelayHigh, "sipflow.sip.overload.queue-delay-high"),
                duration(overloadQueueDelayLow, "sipflow.sip.overload.queue-delay-low"),
                duration(overloadDropAfter, "sipflow.sip.overload.drop-after"),
                integer(overloadMaxInFlight, "sipflow.sip.overload.max-in-flight"),
                integer(overloadMaxRate, "sipflow.sip.overload.max-rate"),
                integer(overloadRetryAfter, "sipflow.sip.overload.retry-after"),
                integer(overloadRetryAfterSpread, "sipflow.sip.overload.retry-after-spread"));
    }

    private static int integer(String value, String property) {
        try {
            return Integer.parseInt(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid " + property + " '" + value + "': expected a whole number");
        }
    }

    private static boolean bool(String value, String property) {
        String v = value == null ? "" : value.trim();
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("Invalid " + property + " '" + value + "': expected true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static Duration duration(String value, String property) {
        try {
            return Duration.ofMillis(TimeUtils.toMilliSeconds(value.trim()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid " + property + " '" + value + "': expected e.g. 5s, 500ms, 2m");
        }
    }

    // ---- consumers ------------------------------------------------------------------------------

    void register(SipEndpointKind kind, DefaultConsumer consumer) {
        DefaultConsumer existing = consumers.putIfAbsent(kind, consumer);
        if (existing != null && existing != consumer) {
            throw new IllegalStateException("Only one route may consume sip:" + kind.path()
                    + " (already consumed by route " + existing.getRouteId() + ")");
        }
    }

    void unregister(SipEndpointKind kind, DefaultConsumer consumer) {
        consumers.remove(kind, consumer);
    }

    @Override
    public boolean route(ServerTransactionContext context, boolean inDialog) {
        SipConsumer consumer = inDialog ? requestConsumer(SipEndpointKind.IN_DIALOG) : null;
        if (consumer == null) {
            consumer = requestConsumer(SipEndpointKind.INITIAL);
        }
        if (consumer == null) {
            return false;
        }
        consumer.dispatch(context);
        return true;
    }

    private SipConsumer requestConsumer(SipEndpointKind kind) {
        return consumers.get(kind) instanceof SipConsumer consumer ? consumer : null;
    }

    /** To the {@code sip:late-answer} route, when there is one; otherwise nothing happens. */
    @Override
    public void lateAnswer(ServerTransactionContext context, Response response) {
        if (consumers.get(SipEndpointKind.LATE_ANSWER) instanceof SipLateAnswerConsumer consumer) {
            consumer.dispatch(context, response);
        }
    }

    ProxyCore core() {
        if (core == null) {
            throw new IllegalStateException("sip component is not started");
        }
        return core;
    }

    /** The running stack (for statistics and tests); null when stopped. */
    public SipStackRuntime getRuntime() {
        return runtime;
    }

    // ---- properties -----------------------------------------------------------------------------

    public String getListen() {
        return listen;
    }

    /** Sockets to listen on, e.g. {@code udp:0.0.0.0:5060,tcp:0.0.0.0:5060}. */
    public void setListen(String listen) {
        this.listen = listen;
    }

    public String getAdvertisedHost() {
        return advertisedHost;
    }

    /** Host written into Via, Record-Route and Contact (default: the first listen address). */
    public void setAdvertisedHost(String advertisedHost) {
        this.advertisedHost = advertisedHost;
    }

    public int getAdvertisedPort() {
        return advertisedPort;
    }

    /** Port written into Via, Record-Route and Contact (default: the first listen port). */
    public void setAdvertisedPort(int advertisedPort) {
        this.advertisedPort = advertisedPort;
    }

    public String getAliases() {
        return aliases;
    }

    /** Comma-separated host names that also mean this proxy (like OpenSIPS {@code alias}). */
    public void setAliases(String aliases) {
        this.aliases = aliases;
    }

    public int getThreadPoolSize() {
        return threadPoolSize;
    }

    public void setThreadPoolSize(int threadPoolSize) {
        this.threadPoolSize = threadPoolSize;
    }

    public int getMaxMessageSize() {
        return maxMessageSize;
    }

    public void setMaxMessageSize(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    public String getFastHeaderParser() {
        return fastHeaderParser;
    }

    public void setFastHeaderParser(String fastHeaderParser) {
        this.fastHeaderParser = fastHeaderParser;
    }

    public String getFrTimeout() {
        return frTimeout;
    }

    public void setFrTimeout(String frTimeout) {
        this.frTimeout = frTimeout;
    }

    public String getFrInvTimeout() {
        return frInvTimeout;
    }

    public void setFrInvTimeout(String frInvTimeout) {
        this.frInvTimeout = frInvTimeout;
    }

    public int getUdpBufferSize() {
        return udpBufferSize;
    }

    public void setUdpBufferSize(int udpBufferSize) {
        this.udpBufferSize = udpBufferSize;
    }

    public String getWaitTimer() {
        return waitTimer;
    }

    /** tm {@code wt_timer}: how long a completed non-INVITE server transaction is kept (UDP), e.g. 5s. */
    public void setWaitTimer(String waitTimer) {
        this.waitTimer = waitTimer;
    }

    public String getTcpConnectTimeout() {
        return tcpConnectTimeout;
    }

    public void setTcpConnectTimeout(String tcpConnectTimeout) {
        this.tcpConnectTimeout = tcpConnectTimeout;
    }

    public int getMaxServerTransactions() {
        return maxServerTransactions;
    }

    public void setMaxServerTransactions(int maxServerTransactions) {
        this.maxServerTransactions = maxServerTransactions;
    }

    public String getOverloadEnabled() {
        return overloadEnabled;
    }

    /** Load shedding on or off ({@code sipflow.sip.overload.enabled}). */
    public void setOverloadEnabled(String overloadEnabled) {
        this.overloadEnabled = overloadEnabled;
    }

    public String getOverloadQueueDelayHigh() {
        return overloadQueueDelayHigh;
    }

    /** Receive queue delay that starts shedding, e.g. {@code 200ms}. */
    public void setOverloadQueueDelayHigh(String overloadQueueDelayHigh) {
        this.overloadQueueDelayHigh = overloadQueueDelayHigh;
    }

    public String getOverloadQueueDelayLow() {
        return overloadQueueDelayLow;
    }

    /** Receive queue delay under which shedding stops, e.g. {@code 50ms}. */
    public void setOverloadQueueDelayLow(String overloadQueueDelayLow) {
        this.overloadQueueDelayLow = overloadQueueDelayLow;
    }

    public String getOverloadDropAfter() {
        return overloadDropAfter;
    }

    /** Datagrams waiting longer than this are dropped unread, e.g. {@code 500ms} (0 = never). */
    public void setOverloadDropAfter(String overloadDropAfter) {
        this.overloadDropAfter = overloadDropAfter;
    }

    public String getOverloadMaxInFlight() {
        return overloadMaxInFlight;
    }

    /** Requests in flight that start shedding (0 = no limit). */
    public void setOverloadMaxInFlight(String overloadMaxInFlight) {
        this.overloadMaxInFlight = overloadMaxInFlight;
    }

    public String getOverloadMaxRate() {
        return overloadMaxRate;
    }

    /** Admission cap, new requests per second (0 = none). */
    public void setOverloadMaxRate(String overloadMaxRate) {
        this.overloadMaxRate = overloadMaxRate;
    }

    public String getOverloadRetryAfter() {
        return overloadRetryAfter;
    }

    /** Retry-After seconds of a shed 503. */
    public void setOverloadRetryAfter(String overloadRetryAfter) {
        this.overloadRetryAfter = overloadRetryAfter;
    }

    public String getOverloadRetryAfterSpread() {
        return overloadRetryAfterSpread;
    }

    /** Random seconds (0..this) added to Retry-After. */
    public void setOverloadRetryAfterSpread(String overloadRetryAfterSpread) {
        this.overloadRetryAfterSpread = overloadRetryAfterSpread;
    }
}
