package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.StringMsgParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the parser builds: the transaction id computed once per top Via and always equal to
 * JAIN-SIP's own, and a response encoded once per send of a server transaction.
 */
class ParsedMessagesTest {

    private static final String REGISTER = """
            REGISTER sip:tenant-a.example SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-Reg-1;rport\r
            Max-Forwards: 70\r
            From: <sip:201@tenant-a.example>;tag=a1\r
            To: <sip:201@tenant-a.example>\r
            Call-ID: reg-1@192.0.2.10\r
            CSeq: 7 REGISTER\r
            Contact: <sip:201@192.0.2.10:5062>\r
            Expires: 3600\r
            Content-Length: 0\r
            \r
            """;

    private static final String RESPONSE = """
            SIP/2.0 200 OK\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsf0123.abc;rport=5060\r
            Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-Reg-1;rport=5062;received=192.0.2.10\r
            From: <sip:201@tenant-a.example>;tag=a1\r
            To: <sip:201@tenant-a.example>;tag=pbx9\r
            Call-ID: reg-1@192.0.2.10\r
            CSeq: 7 REGISTER\r
            Contact: <sip:201@192.0.2.10:5062>;expires=3600\r
            Content-Length: 0\r
            \r
            """;

    private static SIPMessage fast(String text) throws Exception {
        return new FastPathMessageParser().parseSIPMessage(text.getBytes(StandardCharsets.UTF_8), true, false, null);
    }

    private static SIPMessage plain(String text) throws Exception {
        return new StringMsgParser().parseSIPMessage(text.getBytes(StandardCharsets.UTF_8), true, false, null);
    }

    @Test
    void theParserBuildsParsedMessagesWhoseIdIsJainSipsAndComputedOnce() throws Exception {
        SIPMessage request = fast(REGISTER);
        SIPMessage response = fast(RESPONSE);
        assertThat(request).isInstanceOf(ParsedRequest.class);
        assertThat(response).isInstanceOf(ParsedResponse.class);
        for (String text : List.of(REGISTER, RESPONSE)) {
            SIPMessage parsed = fast(text);
            String id = parsed.getTransactionId();
            assertThat(id).isEqualTo(plain(text).getTransactionId());
            assertThat(parsed.getTransactionId()).as("remembered").isSameAs(id);
        }
    }

    @Test
    void anEditedTopViaOrBranchOrACloneComputesItAgain() throws Exception {
        SIPRequest request = (SIPRequest) fast(REGISTER);
        String first = request.getTransactionId();
        assertThat(first).isEqualTo("z9hg4bk-reg-1");

        request.getTopmostVia().setBranch("z9hG4bK-Other");
        assertThat(request.getTransactionId()).isEqualTo("z9hg4bk-other");

        SIPRequest relayed = (SIPRequest) request.clone();
        assertThat(relayed).isInstanceOf(ParsedRequest.class);
        assertThat(relayed.getTransactionId()).isEqualTo("z9hg4bk-other");
        Via ours = new Via();
        ours.setHost("127.0.0.1");
        ours.setPort(5060);
        ours.setTransport("UDP");
        ours.setBranch("z9hG4bKsfRelay.1");
        relayed.addFirst(ours);
        assertThat(relayed.getTransactionId()).isEqualTo("z9hg4bksfrelay.1");
        assertThat(request.getTransactionId()).as("the original keeps its own").isEqualTo("z9hg4bk-other");

        SIPResponse response = (SIPResponse) fast(RESPONSE);
        assertThat(response.getTransactionId()).isEqualTo("z9hg4bksf0123.abc");
        response.removeFirst(Via.NAME); // forwardUpstream takes our Via off
        assertThat(response.getTransactionId()).isEqualTo("z9hg4bk-reg-1");
    }

    @Test
    void aCancelsIdCarriesItsMethodAndAnRfc2543IdIsNeverRemembered() throws Exception {
        String cancel = REGISTER.replace("REGISTER sip:", "CANCEL sip:").replace("CSeq: 7 REGISTER", "CSeq: 7 CANCEL");
        assertThat(fast(cancel).getTransactionId()).isEqualTo(plain(cancel).getTransactionId()).endsWith(":cancel");

        String rfc2543 = REGISTER.replace("branch=z9hG4bK-Reg-1", "branch=old-style-1");
        SIPRequest old = (SIPRequest) fast(rfc2543);
        String id = old.getTransactionId();
        assertThat(id).isEqualTo(plain(rfc2543).getTransactionId());
        old.getFromHeader().setTag("changed");
        assertThat(old.getTransactionId()).as("built from From tag, Call-ID, CSeq... each time").isNotEqualTo(id)
                .isEqualTo(withFromTag(plain(rfc2543), "changed").getTransactionId());
    }

    private static SIPMessage withFromTag(SIPMessage message, String tag) throws Exception {
        message.getFromHeader().setTag(tag);
        return message;
    }

    @Test
    void aResponseIsEncodedOncePerSendAndFreshOutsideIt() throws Exception {
        SIPResponse response = (SIPResponse) fast(RESPONSE);
        List<byte[]> inside = new ArrayList<>();
        byte[] sent = ParsedResponse.sendEncodingOnce(response, () -> {
            inside.add(response.encodeAsBytes("UDP"));
            inside.add(response.encodeAsBytes("UDP")); // the server transaction's copy for retransmissions
        });
        assertThat(inside.get(1)).isSameAs(inside.get(0));
        assertThat(sent).as("the bytes sent, kept for retransmissions").isSameAs(inside.get(0));
        assertThat(new String(inside.get(0), StandardCharsets.UTF_8)).isEqualTo(plain(RESPONSE).encode());

        assertThat(response.encodeAsBytes("UDP")).as("outside a send: encoded anew").isNotSameAs(inside.get(0));
        response.removeFirst(Via.NAME);
        List<byte[]> next = new ArrayList<>();
        ParsedResponse.sendEncodingOnce(response, () -> next.add(response.encodeAsBytes("UDP")));
        assertThat(new String(next.get(0), StandardCharsets.UTF_8)).as("the edit before the next send is sent")
                .doesNotContain("z9hG4bKsf0123").contains("z9hG4bK-Reg-1");

        SIPResponse notParsed = (SIPResponse) plain(RESPONSE);
        List<byte[]> other = new ArrayList<>();
        byte[] none = ParsedResponse.sendEncodingOnce(notParsed, () -> {
            other.add(notParsed.encodeAsBytes("UDP"));
            other.add(notParsed.encodeAsBytes("UDP"));
        });
        assertThat(other.get(1)).as("any other response is sent as it is").isNotSameAs(other.get(0)).isEqualTo(other.get(0));
        assertThat(none).as("nothing kept for any other response").isNull();
    }
}
