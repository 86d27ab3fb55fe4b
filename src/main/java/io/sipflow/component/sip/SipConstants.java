package io.sipflow.component.sip;

/**
 * Exchange headers and properties of the {@code sip:} component.
 *
 * <p>Every header mirrors an OpenSIPS/Kamailio pseudo-variable, named in its comment, so an
 * operator reading a route knows what it holds. Headers are plain values (strings, integers);
 * transaction and dialog handles travel as exchange <em>properties</em> only, so they never leak
 * into Kafka or JDBC payloads.
 */
public final class SipConstants {

    private SipConstants() {
    }

    // ---- set by the consumers on every request exchange ---------------------------------------

    /** {@code $rm}: request method ({@code INVITE}, {@code REGISTER}, ...). */
    public static final String METHOD = "CamelSipMethod";
    /** {@code $ru}: the full Request-URI. Set it before {@code sip:relay} to rewrite the R-URI. */
    public static final String REQUEST_URI = "CamelSipRequestUri";
    /** {@code $rU}: user part of the Request-URI (may be absent). */
    public static final String REQUEST_URI_USER = "CamelSipRequestUriUser";
    /** {@code $rd}: host part of the Request-URI. */
    public static final String REQUEST_URI_HOST = "CamelSipRequestUriHost";
    /** {@code is_myself("$ru")}: true when the Request-URI names this proxy (no user part needed). */
    public static final String REQUEST_URI_IS_LOCAL = "CamelSipRequestUriIsLocal";
    /** {@code $fu}: From URI. */
    public static final String FROM_URI = "CamelSipFromUri";
    /** {@code $fU}: From user. */
    public static final String FROM_USER = "CamelSipFromUser";
    /** {@code $fd}: From domain. */
    public static final String FROM_DOMAIN = "CamelSipFromDomain";
    /** {@code $ft}: From tag. */
    public static final String FROM_TAG = "CamelSipFromTag";
    /** {@code $tu}: To URI. */
    public static final String TO_URI = "CamelSipToUri";
    /** {@code $tU}: To user. */
    public static final String TO_USER = "CamelSipToUser";
    /** {@code $td}: To domain. */
    public static final String TO_DOMAIN = "CamelSipToDomain";
    /** {@code $tt}: To tag (present on in-dialog requests and on responses that carry one). */
    public static final String TO_TAG = "CamelSipToTag";
    /** {@code $ci}: Call-ID. */
    public static final String CALL_ID = "CamelSipCallId";
    /** {@code $cs}: CSeq number (long). */
    public static final String CSEQ = "CamelSipCSeq";
    /** {@code $si}: source IP address of the request as received on the socket. */
    public static final String SOURCE_IP = "CamelSipSourceIp";
    /** {@code $sp}: source port of the request as received on the socket. */
    public static final String SOURCE_PORT = "CamelSipSourcePort";
    /** {@code $proto}: transport the request arrived on ({@code udp}, {@code tcp}). */
    public static final String TRANSPORT = "CamelSipTransport";
    /** {@code $Ri}/{@code $Rp}: local socket the request arrived on, {@code transport:ip:port}. */
    public static final String LOCAL_SOCKET = "CamelSipLocalSocket";
    /** {@code $ua}: User-Agent header value (may be absent). */
    public static final String USER_AGENT = "CamelSipUserAgent";
    /** {@code $hdr(Expires)}: Expires header value (int, may be absent). */
    public static final String EXPIRES = "CamelSipExpires";

    // ---- set on the exchange when a relayed or originated request completes -------------------

    /** {@code $rs}: status code of the final response (int). Set by relay, request and reply. */
    public static final String STATUS_CODE = "CamelSipStatusCode";
    /** {@code $rr}: reason phrase of the final response. */
    public static final String REASON_PHRASE = "CamelSipReasonPhrase";
    /**
     * What ended the relay (the {@code failure_route} trigger): {@code response} (a final
     * response arrived), {@code timeout} (no final answer: 408), {@code unreachable} (transport
     * error: 503), {@code local} (answered by SipFlow itself: 482/483/487).
     */
    public static final String OUTCOME = "CamelSipOutcome";
    /**
     * True when the relay or request timed out ({@code timeout}) while SipFlow itself was overloaded
     * (its receive queue over {@code sipflow.sip.overload.queue-delay-high} at some point since the
     * branch started): the answer may be waiting in SipFlow's own queue, so the timeout says nothing
     * about the next hop (the dispatcher does not count it against the PBX). Absent otherwise.
     */
    public static final String LOCAL_OVERLOAD = "CamelSipLocalOverload";
    /** Destination ({@code host:port/transport}) the last relayed branch was sent to. */
    public static final String BRANCH_DESTINATION = "CamelSipBranchDestination";
    /** Source IP of the final response (the next hop that answered). */
    public static final String RESPONSE_SOURCE_IP = "CamelSipResponseSourceIp";
    /** Source port of the final response. */
    public static final String RESPONSE_SOURCE_PORT = "CamelSipResponseSourcePort";

    // ---- read by the producers ------------------------------------------------------------------

    /**
     * {@code $du}: destination URI for {@code sip:relay} / {@code sip:request}, e.g.
     * {@code sip:10.0.0.5:5060;transport=tcp}. When absent the Route set, then the R-URI decide.
     */
    public static final String DESTINATION_URI = "CamelSipDestinationUri";
    /** {@code record_route()}: when true, {@code sip:relay} inserts a Record-Route with {@code ;lr}. */
    public static final String RECORD_ROUTE = "CamelSipRecordRoute";
    /** Reply code for {@code sip:reply} (overrides the endpoint's {@code code} option). */
    public static final String REPLY_CODE = "CamelSipReplyCode";
    /** Reply reason for {@code sip:reply} (overrides the endpoint's {@code reason} option). */
    public static final String REPLY_REASON = "CamelSipReplyReason";
    /**
     * Extra headers for {@code sip:reply}/{@code sip:request}: a {@code java.util.Map} of name to
     * value, or a string of {@code Name: value} lines. Added after the endpoint's {@code headers}.
     */
    public static final String EXTRA_HEADERS = "CamelSipExtraHeaders";
    /** {@code sip:request}: From URI of the request to originate. */
    public static final String ORIGINATE_FROM = "CamelSipOriginateFrom";
    /** {@code sip:request}: To URI of the request to originate (defaults to the R-URI). */
    public static final String ORIGINATE_TO = "CamelSipOriginateTo";
    /** {@code sip:request}: Call-ID to use (a fresh one when absent). */
    public static final String ORIGINATE_CALL_ID = "CamelSipOriginateCallId";
    /** {@code sip:request}: CSeq number to use (1 when absent). */
    public static final String ORIGINATE_CSEQ = "CamelSipOriginateCSeq";
    /** {@code sip:request}: Contact URI to put into the request (absent: none). */
    public static final String ORIGINATE_CONTACT = "CamelSipOriginateContact";

    // ---- exchange properties (never headers) ----------------------------------------------------

    /** Property: the {@code ServerTransactionContext} of the request being processed. */
    public static final String PROPERTY_TRANSACTION = "CamelSipTransactionContext";
    /**
     * Property: a {@code List<BranchTarget>} — {@code sip:relay} forks to all of them (parallel: first
     * 2xx wins and the other branches are cancelled; serial: one after the other, by q, until a 2xx
     * or a 6xx). OpenSIPS: several contacts from {@code lookup()} plus {@code serialize_branches()}.
     */
    public static final String PROPERTY_BRANCH_TARGETS = "CamelSipBranchTargets";
    /** {@code parallel} (default) or {@code serial}: overrides the relay endpoint's {@code forkMode}. */
    public static final String FORK_MODE = "CamelSipForkMode";
    /** Property: the original {@code javax.sip.message.Request} the exchange started with. */
    public static final String PROPERTY_REQUEST = "CamelSipRequest";
}
