package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.ParserFactory;
import gov.nist.javax.sip.parser.RequestLineParser;
import gov.nist.javax.sip.parser.StatusLineParser;
import gov.nist.javax.sip.parser.StringMsgParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link FastHeaderParser} against JAIN-SIP's own header parsers: for every line it accepts, the
 * header it builds must be the one JAIN-SIP builds (same class, equal field by field, same encoding);
 * every line JAIN-SIP refuses it must leave to JAIN-SIP (return null). The plain forms phones, PBXs
 * and SipFlow itself send must take the fast path, so that the fast path cannot silently fall out of use.
 */
class FastHeaderParserTest {

    /** Forms real traffic carries: each must be parsed by the fast parser, equal to JAIN-SIP's result. */
    private static final List<String> COMMON = List.of(
            "Via: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bK-9331-1-0",
            "Via: SIP/2.0/UDP 127.0.0.1:5060;rport=5060;received=127.0.0.1;branch=z9hG4bKsf.1a2b.c3d4",
            "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsf.1a2b;rport",
            "Via: SIP/2.0/TCP pbx.example.com;branch=z9hG4bK776asdhds",
            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2;rport=5062",
            "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8",
            "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks;received=192.0.2.9;rport=33722",
            "From: sipp <sip:201@127.0.0.3:5060>;tag=9331SIPpTag001",
            "From: \"Alice Smith\" <sip:alice@example.com>;tag=1928301774",
            "From: <sip:201@tenant-a.example>;tag=a6c85cf",
            "From: Bob <sip:bob@example.com>;tag=1",
            "From: Alice  Smith <sip:alice@example.com>;tag=1",
            "f: <sip:+15551234567@gw.example.com;user=phone>;tag=887s",
            "To: <sip:201@tenant-a.example>",
            "To: <sip:201@tenant-a.example>;tag=as6c85cf1",
            "To: sip:bob@biloxi.example.com",
            "To: sip:bob@biloxi.example.com;tag=8321234356",
            "t: \"Bob\" <sips:bob@biloxi.example.com>",
            "Contact: <sip:201@127.0.0.3:5060;transport=UDP>",
            "Contact: <sip:201@127.0.0.3:5060>;expires=3600",
            "Contact: <sip:201@127.0.0.3:5060>;expires=3600;q=0.5, <sip:201@10.1.1.1>;expires=0",
            "Contact: <sip:127.0.0.1:5060;lr>",
            "Contact: <sip:201@127.0.0.3:5060;ob>;reg-id=1;expires=600",
            "m: <sips:bob@192.0.2.4>;expires=60",
            "Contact: sip:carol@chicago.example.com",
            "Call-ID: 1-9331@127.0.0.3",
            "Call-ID: a84b4c76e66710",
            "i: f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com",
            "CSeq: 1 REGISTER",
            "CSeq: 314159 INVITE",
            "CSeq: 2 ACK",
            "Max-Forwards: 70",
            "Max-Forwards: 0",
            "Content-Length: 0",
            "Content-Length: 1234",
            "l: 0",
            "Expires: 3600",
            "Expires: 0");

    /** Forms the fast parser leaves to JAIN-SIP (whatever JAIN-SIP makes of them). */
    private static final List<String> LEFT_TO_JAIN_SIP = List.of(
            "Via: SIP / 2.0 / UDP first.example.com: 4000;ttl=16;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1",
            "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1 (a comment)",
            "Via: SIP/2.0/UDP 192.0.2.1;branch",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=\"quoted\"",
            "From: \"Escaped \\\"quote\\\"\" <sip:bob@example.com>;tag=1",
            "From: <sip:user%40name@example.com>;tag=1",
            "From: <sip:user:password@example.com>;tag=1",
            "From: <sip:user@[2001:db8::10]>;tag=1",
            "From: <tel:+1-212-555-1212>;tag=1",
            "From: Bob<sip:bob@example.com> ;tag=1",
            "From: A,B <sip:bob@example.com>;tag=1",
            "To: < sip:bob@example.com >",
            "To: <sip:bob@example.com?subject=hi>",
            "To: sip:bob@example.com ; tag = 1",
            "Contact: *",
            "Contact: <sip:a@b>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"",
            "Contact: <urn:uuid:f81d4fae>",
            "Call-ID: a b",
            "CSeq: 1",
            "CSeq: 1REGISTER",
            "CSeq: 99999999999999999999 INVITE",
            "CSeq: -1 INVITE",
            "Max-Forwards: 70abc",
            "Max-Forwards: 1234567890123",
            "Content-Length: -1",
            "Expires: 1 day",
            "User-Agent: SIPp",
            "Route: <sip:127.0.0.1;lr>",
            "Xyz: 1",
            "From:",
            "no colon here");

    @Test
    void theCommonFormsTakeTheFastPathAndEqualJainSipsHeaders() {
        List<String> problems = new ArrayList<>();
        for (String line : COMMON) {
            if (!check(line, problems)) {
                problems.add("not taken: " + line);
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void unusualOrMalformedFormsAreLeftToJainSips() {
        for (String line : LEFT_TO_JAIN_SIP) {
            assertThat(FastHeaderParser.parse(line)).as(line).isNull();
        }
    }

    /**
     * Every combination of header name, display name, URI (user, host, port, URI parameters) and
     * header parameters, plus whitespace and case variants: whatever the fast parser accepts equals
     * JAIN-SIP's result, and it accepts no line JAIN-SIP refuses.
     */
    @Test
    void generatedAddressAndViaLinesNeverDifferFromJainSip() {
        List<String> names = List.of("From", "f", "TO", "to", "Contact", "m");
        List<String> displays = List.of("", "\"Alice\" ", "\"\" ", "\"A  B\"", "\" spaced \"  ", "Alice ", "Bob", "sipp  ", "A. B-c ");
        List<String> users = List.of("", "201@", "+15551234567@", "alice.smith-1_x!~*'@", "a:b@", "@", "a;b@");
        List<String> hosts = List.of("127.0.0.1", "Example.COM", "a-b.example.org", "-bad.example", "host.", "1.2.3.4:5060",
                "host:0", "host:65536", "host:", "[::1]:5060", "ho_st");
        List<String> uriParams = List.of("", ";lr", ";transport=tcp", ";user=phone;lr", ";x=", ";=y", ";a=b;c");
        List<String> headerParams = List.of("", ";tag=abc", ";tag=1;expires=60", ";q=0.7;expires=3600", ";flag",
                ";tag=", ";Tag=AbC", "; tag=1", ";tag=\"q\"", ",<sip:second@h>", ", sip:x@y;a=b", ",");
        List<String> problems = new ArrayList<>();
        int fastCount = 0;
        int total = 0;
        for (String name : names) {
            for (String display : displays) {
                for (String user : users) {
                    for (String host : hosts) {
                        for (String uriParam : uriParams) {
                            for (String headerParam : headerParams) {
                                for (String scheme : List.of("sip:", "sips:")) {
                                    String uri = scheme + user + host + uriParam;
                                    boolean bracketed = !display.isEmpty() || !uriParam.isEmpty() || user.isEmpty();
                                    String value = bracketed ? display + "<" + uri + ">" : uri;
                                    total++;
                                    if (check(name + ": " + value + headerParam, problems)) {
                                        fastCount++;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for (String name : List.of("Via", "v", "VIA")) {
            for (String protocol : List.of("SIP/2.0/UDP ", "SIP/2.0/TCP  ", "sip/2.0/udp ", "SIP/2.0/UDP\t", "SIP/2.0 /UDP ",
                    "SIP/2.0/UDP")) {
                for (String host : hosts) {
                    for (String params : List.of("", ";branch=z9hG4bK1", ";branch=z9hG4bK1;rport", ";rport=5060;Branch=Z9",
                            ";received=10.0.0.1;branch=z9hG4bK.x", ";branch", ";branch=", ";ttl=1;maddr=239.1.1.1",
                            ";branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK2", ";branch=z9hG4bK1,", " ;branch=1",
                            ";received=10.0.0.1, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK2")) {
                        total++;
                        if (check(name + ": " + protocol + host + params, problems)) {
                            fastCount++;
                        }
                    }
                }
            }
        }
        for (String line : List.of("Call-ID: x", "Call-ID:   padded@host   ", "CSeq: 7 register", "CSeq: 7   OPTIONS  ",
                "CSeq: 2147483648 INVITE", "CSeq: 0 BYE", "Max-Forwards: 255", "Max-Forwards: 256", "Max-Forwards: 007",
                "Content-Length:   10", "Expires: 4294967295", "Expires: 999999999", "expires: 5", "CONTENT-LENGTH: 3")) {
            total++;
            if (check(line, problems)) {
                fastCount++;
            }
        }
        System.out.println("FastHeaderParserTest: " + total + " generated lines, " + fastCount + " taken by the fast parser");
        assertThat(problems).isEmpty();
        // the generator reaches the fast path often enough for the comparison to mean something
        assertThat(fastCount).as("lines the fast parser took, of " + total).isGreaterThan(20_000);
    }

    /** Request and status lines: the plain ones take the fast path and equal JAIN-SIP's; the rest are left to it. */
    @Test
    void firstLinesEqualJainSipsOrAreLeftToIt() throws Exception {
        List<String> problems = new ArrayList<>();
        int taken = 0;
        List<String> requestLines = new ArrayList<>();
        for (String method : List.of("REGISTER", "INVITE", "ACK", "BYE", "OPTIONS", "NOTIFY", "FOO", "register", "IN VITE")) {
            for (String uri : List.of("sip:tenant-a.example", "sip:201@127.0.0.3:5060", "sips:201@a.example;transport=tls",
                    "sip:201@127.0.0.3:5060;lr;ob", "sip:[::1]", "sip:a@b?x=y", "tel:+15551234567", "sip:a%20b@c", "<sip:a@b>",
                    "sip:a@b:99999", "sip:")) {
                for (String version : List.of(" SIP/2.0", " SIP/3.0", " sip/2.0", "  SIP/2.0", " SIP/2.0 ", "")) {
                    requestLines.add(method + " " + uri + version);
                }
            }
        }
        for (String line : requestLines) {
            if (differs(line, FastHeaderParser::requestLine, l -> new RequestLineParser(l + "\n").parse(), problems)) {
                taken++;
            }
        }
        List<String> statusLines = new ArrayList<>();
        for (String code : List.of("100", "180", "200", "401", "503", "699", "099", "700", "20", "2000", "abc")) {
            for (String reason : List.of(" OK", " Trying", " Service Unavailable", "", " ", "  Spaced  Out  ", " \u00e9t\u00e9",
                    "\tTab", " ctl\u0001")) {
                for (String version : List.of("SIP/2.0 ", "SIP/2.0  ", "SIP/3.0 ")) {
                    statusLines.add(version + code + reason);
                }
            }
        }
        for (String line : statusLines) {
            if (differs(line, FastHeaderParser::statusLine, l -> new StatusLineParser(l + "\n").parse(), problems)) {
                taken++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(FastHeaderParser.requestLine("REGISTER sip:tenant-a.example SIP/2.0")).isNotNull();
        assertThat(FastHeaderParser.requestLine("INVITE sip:201@127.0.0.3:5060;ob SIP/2.0")).isNotNull();
        assertThat(FastHeaderParser.statusLine("SIP/2.0 200 OK")).isNotNull();
        assertThat(FastHeaderParser.statusLine("SIP/2.0 100 Trying")).isNotNull();
        assertThat(taken).isGreaterThan(50);
    }

    /** URI strings (the registrar's contacts): equal to what JAIN-SIP's address factory parses, or left to it. */
    @Test
    void uriStringsEqualTheAddressFactorysOrAreLeftToIt() throws Exception {
        javax.sip.address.AddressFactory factory = new gov.nist.javax.sip.address.AddressFactoryImpl();
        List<String> problems = new ArrayList<>();
        int taken = 0;
        for (String scheme : List.of("sip:", "sips:", "SIP:", "tel:")) {
            for (String user : List.of("", "201@", "+15551234567@", "a:b@", "a%41@", "alice.smith-1_x!~*'@")) {
                for (String host : List.of("127.0.0.1", "Example.COM", "host:5060", "[::1]:5060", "2001:db8::1", "-x", "h_1")) {
                    for (String params : List.of("", ";transport=udp", ";sfb=1a2b;lr", ";ob;x=", "?h=v", " ", ";a b")) {
                        if (differs(scheme + user + host + params, FastHeaderParser::sipUri, factory::createURI, problems)) {
                            taken++;
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(taken).isGreaterThan(50);
        // the registrar's own contact for the PBX: the same URI createSipURI(user, host) builds
        assertThat(FastHeaderParser.sipUri("sip:201@127.0.0.1")).isEqualTo(factory.createSipURI("201", "127.0.0.1"));
        assertThat(FastHeaderParser.sipUri("sip:201@2001:db8::1")).isNull();
    }

    /** Whole messages: the fast-path message parser and JAIN-SIP's give equal messages, or both refuse. */
    @Test
    void wholeMessagesParseToTheSameMessage() throws Exception {
        String register = "REGISTER sip:tenant-a.example SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bK-9331-1-0\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: sipp <sip:201@tenant-a.example>;tag=9331SIPpTag001\r\n"
                + "To: <sip:201@tenant-a.example>\r\n"
                + "Call-ID: 1-9331@127.0.0.3\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + "Contact: <sip:201@127.0.0.3:5060;transport=udp>\r\n"
                + "Expires: 3600\r\n"
                + "User-Agent: SIPp\r\n"
                + "Content-Length: 0\r\n\r\n";
        String ok = "SIP/2.0 200 OK\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsf.1;rport=5060;received=127.0.0.1\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bK-9331-1-0;received=127.0.0.3;rport=5060\r\n"
                + "From: sipp <sip:201@tenant-a.example>;tag=9331SIPpTag001\r\n"
                + "To: <sip:201@tenant-a.example>;tag=as1\r\n"
                + "Call-ID: 1-9331@127.0.0.3\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + "Contact: <sip:201@127.0.0.1:5060;alias=127.0.0.3~5060~1>;expires=3600\r\n"
                + "Path: <sip:127.0.0.1:5060;lr>\r\n"
                + "Content-Length: 0\r\n\r\n";
        String invite = "INVITE sip:201@127.0.0.3:5060 SIP/2.0\r\n"
                + "v: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK776asdhds\r\n"
                + "Record-Route: <sip:127.0.0.1;lr>\r\n"
                + "Max-Forwards: 69\r\n"
                + "t: <sip:201@tenant-a.example>\r\n"
                + "f: \"PBX\" <sip:100@tenant-a.example>;tag=1928301774\r\n"
                + "i: a84b4c76e66710@pc33.atlanta.example.com\r\n"
                + "CSeq: 314159 INVITE\r\n"
                + "m: <sip:100@127.0.0.2:5060>\r\n"
                + "Content-Type: application/sdp\r\n"
                + "l: 4\r\n\r\nv=0\n";
        String duplicateCseq = register.replace("CSeq: 1 REGISTER\r\n", "CSeq: 1 REGISTER\r\nCSeq: 2 REGISTER\r\n");
        for (String message : List.of(register, ok, invite, duplicateCseq)) {
            compareMessages(message.getBytes(StandardCharsets.UTF_8), message.lines().findFirst().orElseThrow());
        }
    }

    /** The RFC 4475 / 5118 torture messages (when the corpus is there): the same message, or both refuse. */
    @Test
    void tortureMessagesParseToTheSameMessage() throws IOException {
        Path root = Path.of(System.getProperty("sipflow.torture.dir", "../shared/testdata/sip-torture"));
        if (!Files.isDirectory(root)) {
            System.out.println("SKIPPED (this comparison only): torture corpus not found at " + root.toAbsolutePath());
            return;
        }
        int compared = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".dat")).sorted().toList()) {
                compareMessages(Files.readAllBytes(file), file.getFileName().toString());
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(30);
    }

    private static void compareMessages(byte[] bytes, String what) {
        String plain;
        String fast;
        SIPMessage plainMessage = null;
        SIPMessage fastMessage = null;
        try {
            plainMessage = new StringMsgParser().parseSIPMessage(bytes, true, false, null);
            plain = plainMessage == null ? "null" : plainMessage.encode();
        } catch (Exception e) {
            plain = "refused";
        }
        try {
            fastMessage = new FastPathMessageParser().parseSIPMessage(bytes, true, false, null);
            fast = fastMessage == null ? "null" : fastMessage.encode();
        } catch (Exception e) {
            fast = "refused";
        }
        assertThat(fast).as(what).isEqualTo(plain);
        if (plainMessage != null) {
            assertSameMessage(fastMessage, plainMessage, what);
        }
    }

    /**
     * Equal field by field: the first line, every header, the body. (SIPMessage.equals would do the
     * same but also wants the same class, and the fast parser builds ParsedRequest/ParsedResponse.)
     */
    private static void assertSameMessage(SIPMessage fast, SIPMessage plain, String what) {
        assertThat(jainSipMessageClassOf(fast)).as(what).isEqualTo(plain.getClass());
        if (fast instanceof SIPRequest request) {
            assertThat(request.getRequestLine()).as(what).isEqualTo(((SIPRequest) plain).getRequestLine());
        } else {
            assertThat(((SIPResponse) fast).getStatusLine()).as(what).isEqualTo(((SIPResponse) plain).getStatusLine());
        }
        List<SIPHeader> fastHeaders = new ArrayList<>();
        fast.getHeaders().forEachRemaining(fastHeaders::add);
        List<SIPHeader> plainHeaders = new ArrayList<>();
        plain.getHeaders().forEachRemaining(plainHeaders::add);
        assertThat(fastHeaders).as(what).hasSameSizeAs(plainHeaders);
        for (int i = 0; i < plainHeaders.size(); i++) {
            SIPHeader f = fastHeaders.get(i);
            SIPHeader p = plainHeaders.get(i);
            assertThat(f.equals(p) && p.equals(f)).as(what + ": " + p.encode().trim() + " vs " + f.encode().trim()).isTrue();
        }
        assertThat(fast.getRawContent()).as(what).isEqualTo(plain.getRawContent());
    }

    private static Class<?> jainSipMessageClassOf(SIPMessage fast) {
        return fast instanceof ParsedRequest ? SIPRequest.class : fast instanceof ParsedResponse ? SIPResponse.class : fast.getClass();
    }

    /** A parser of one kind of text: the fast one or JAIN-SIP's. */
    @FunctionalInterface
    private interface Parser<T> {
        T parse(String text) throws Exception;
    }

    /** @return whether the fast parser took the header line (any difference from JAIN-SIP's header is recorded) */
    private static boolean check(String line, List<String> problems) {
        return differs(line, FastHeaderParser::parse, l -> ParserFactory.createParser(l + "\n").parse(), problems);
    }

    /**
     * Parses {@code text} with both; when the fast parser takes it, JAIN-SIP must take it too and build an
     * object of the same class, equal both ways and encoded alike, else a problem is recorded.
     * @return whether the fast parser took the text
     */
    private static <T> boolean differs(String text, Parser<T> fastParser, Parser<T> jainParser, List<String> problems) {
        T fast;
        try {
            fast = fastParser.parse(text);
        } catch (Exception e) {
            problems.add("the fast parser threw " + e + ": " + text);
            return false;
        }
        if (fast == null) {
            return false;
        }
        T jain;
        try {
            jain = jainParser.parse(text);
        } catch (Exception e) {
            problems.add("JAIN-SIP refuses what the fast parser took: " + text + " (" + e.getMessage() + ")");
            return true;
        }
        if (jain == null || jain.getClass() != jainSipClassOf(fast)) {
            problems.add("class " + fast.getClass().getSimpleName() + " vs " + (jain == null ? null : jain.getClass().getSimpleName())
                    + ": " + text);
        } else if (!jain.toString().equals(fast.toString())) {
            problems.add("encoding '" + fast.toString().trim() + "' vs '" + jain.toString().trim() + "': " + text);
        } else if (!jain.equals(fast) || !fast.equals(jain)) {
            problems.add("not equal field by field: " + text);
        }
        return true;
    }

    /** The JAIN-SIP class a fast-parsed object stands for: a Call-ID is JAIN-SIP's CallID with its value kept. */
    private static Class<?> jainSipClassOf(Object fast) {
        return fast instanceof CachedCallId ? CallID.class : fast.getClass();
    }
}
