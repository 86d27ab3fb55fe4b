package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ViaHeader;
import javax.sip.SipFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one message costs before and after SipFlow's routing logic, on one thread: the byte-level
 * screen SipFlow runs before JAIN-SIP's parser, the parse itself (JAIN-SIP's {@code StringMsgParser},
 * as the stack runs it per datagram), and the relay shaping of RFC 3261 §16.6 as {@code ProxyCore}
 * does it (copy, Max-Forwards minus one, Record-Route for INVITE, our Via on top, encode for the
 * wire). Measured on the REGISTER SIPp sends in the benchmarks and an INVITE with SDP from Asterisk.
 * Compare with the ~500 µs of CPU a REGISTER costs end to end (bench/register-load.sh): the rest is
 * the transaction layer, the Camel exchange and routes, the registrar and the events.
 * Run with {@code bench/jmh.sh MessagePathBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class MessagePathBenchmark {

    static final String REGISTER = "REGISTER sip:tenant-a.example SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bK-4711-1-0;rport\r\n"
            + "From: <sip:201@tenant-a.example>;tag=4711SIPpTag001\r\n"
            + "To: <sip:201@tenant-a.example>\r\n"
            + "Call-ID: 1-4711@127.0.0.3\r\n"
            + "CSeq: 1 REGISTER\r\n"
            + "Contact: <sip:201@127.0.0.3:5060;transport=udp>\r\n"
            + "Max-Forwards: 70\r\n"
            + "Expires: 3600\r\n"
            + "User-Agent: SIPp bench\r\n"
            + "Content-Length: 0\r\n\r\n";

    static final String SDP = "v=0\r\n"
            + "o=root 1821 1821 IN IP4 127.0.0.21\r\n"
            + "s=Asterisk PBX\r\n"
            + "c=IN IP4 127.0.0.21\r\n"
            + "t=0 0\r\n"
            + "m=audio 14082 RTP/AVP 0 8 101\r\n"
            + "a=rtpmap:0 PCMU/8000\r\n"
            + "a=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:101 telephone-event/8000\r\n"
            + "a=fmtp:101 0-16\r\n"
            + "a=ptime:20\r\n"
            + "a=sendrecv\r\n";

    static final String INVITE = "INVITE sip:201@127.0.0.1:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.21:5060;branch=z9hG4bK5f3a2b1c;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: \"Reception\" <sip:100@127.0.0.21>;tag=as6d1f0b2c\r\n"
            + "To: <sip:201@127.0.0.1:5060>\r\n"
            + "Contact: <sip:100@127.0.0.21:5060>\r\n"
            + "Call-ID: 3c4e9a7f1b2d6e8a@127.0.0.21:5060\r\n"
            + "CSeq: 102 INVITE\r\n"
            + "User-Agent: Asterisk PBX 20.5.0\r\n"
            + "Date: Tue, 24 Nov 2026 04:00:00 GMT\r\n"
            + "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
            + "Supported: replaces, timer\r\n"
            + "Content-Type: application/sdp\r\n"
            + "Content-Length: " + SDP.length() + "\r\n\r\n"
            + SDP;

    @Param({"REGISTER", "INVITE"})
    public String message;

    private byte[] bytes;
    private SIPRequest parsed;
    private HeaderFactory headers;
    private AddressFactory addresses;
    private long branch;

    @Setup
    public void setUp() throws Exception {
        bytes = ("REGISTER".equals(message) ? REGISTER : INVITE).getBytes(StandardCharsets.UTF_8);
        parsed = parse();
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        headers = new HeaderFactoryImpl();
        addresses = factory.createAddressFactory();
    }

    /** SipFlow's byte-level screen of what the parser would let through (runs before every parse). */
    @Benchmark
    public String screen() {
        return RawMessageScreen.check(bytes);
    }

    /** JAIN-SIP's parse of one datagram, as the stack runs it (a new parser object per message). */
    @Benchmark
    public SIPRequest parse() throws Exception {
        return (SIPRequest) new StringMsgParser().parseSIPMessage(bytes, true, false, null);
    }

    /** The same parse with SipFlow's fast header parser in front ({@code sipflow.sip.fast-header-parser}, the default). */
    @Benchmark
    public SIPRequest parseFastHeaders() throws Exception {
        return (SIPRequest) new FastPathMessageParser().parseSIPMessage(bytes, true, false, null);
    }

    /** RFC 3261 §16.6 on the parsed request, as ProxyCore relays it, encoded for the wire. */
    @Benchmark
    public byte[] relayShape() throws Exception {
        SIPRequest request = (SIPRequest) parsed.clone();
        ((MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME)).decrementMaxForwards();
        if ("INVITE".equals(request.getMethod())) {
            SipURI rr = addresses.createSipURI(null, "127.0.0.1");
            rr.setPort(5060);
            rr.setLrParam();
            request.addFirst(headers.createRecordRouteHeader(addresses.createAddress(rr)));
        }
        ViaHeader via = headers.createViaHeader("127.0.0.1", 5060, "udp", "z9hG4bK-sf1." + Long.toHexString(++branch));
        via.setRPort();
        request.addFirst(via);
        return request.encodeAsBytes("UDP");
    }

    /** Screen, parse and relay shaping together: SipFlow's per-hop cost outside the routes. */
    @Benchmark
    public byte[] screenParseAndRelay() throws Exception {
        RawMessageScreen.check(bytes);
        SIPRequest request = parse();
        ((MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME)).decrementMaxForwards();
        ViaHeader via = headers.createViaHeader("127.0.0.1", 5060, "udp", "z9hG4bK-sf1." + Long.toHexString(++branch));
        via.setRPort();
        request.addFirst(via);
        return request.encodeAsBytes("UDP");
    }
}
