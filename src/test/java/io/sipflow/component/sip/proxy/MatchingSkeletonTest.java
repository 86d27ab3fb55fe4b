package io.sipflow.component.sip.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MatchingSkeletonTest {

    private static final String REGISTER = "REGISTER sip:tenant-a.example SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.7:5062;branch=%s;rport\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-behind\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: \"Alice\" <sip:201@tenant-a.example>;tag=f-1\r\n"
            + "To: <sip:201@tenant-a.example>\r\n"
            + "Call-ID: reg-1@10.0.0.7\r\n"
            + "CSeq: 7 REGISTER\r\n"
            + "Contact: <sip:201@10.0.0.7:5062;transport=udp>;expires=300\r\n"
            + "Authorization: Digest username=\"201\", realm=\"tenant-a.example\", nonce=\"n\", uri=\"sip:tenant-a.example\", response=\"r\"\r\n"
            + "User-Agent: phone/1.0\r\n"
            + "Expires: 300\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 5\r\n\r\nhello";

    @Test
    void keepsTheRequestLineTopViaFromToCallIdAndCSeqOnly() throws Exception {
        SIPRequest request = parse("z9hG4bK-reg-1");
        SIPRequest skeleton = MatchingSkeleton.of(request);

        assertThat(headerNames(skeleton)).containsExactlyInAnyOrder("Via", "From", "To", "Call-ID", "CSeq",
                "Content-Length"); // 0: every new SIPMessage has one
        assertThat(skeleton.getViaHeaders()).hasSize(1);
        assertThat(skeleton.getTopmostVia()).isSameAs(request.getTopmostVia());
        assertThat(skeleton.getRequestLine()).isSameAs(request.getRequestLine());
        assertThat(skeleton.getFrom()).isSameAs(request.getFrom());
        assertThat(skeleton.getTo()).isSameAs(request.getTo());
        assertThat(skeleton.getCallId()).isSameAs(request.getCallId());
        assertThat(skeleton.getCSeq()).isSameAs(request.getCSeq());
        assertThat(skeleton.getRawContent()).isNull();
    }

    @Test
    void answersEverythingTheStackMatchesOnAsTheRequestDoes() throws Exception {
        for (String branch : List.of("z9hG4bK-reg-1", "legacy-2543-branch")) {
            SIPRequest request = parse(branch);
            SIPRequest skeleton = MatchingSkeleton.of(request);

            assertThat(skeleton.getTransactionId()).as(branch).isEqualTo(request.getTransactionId());
            assertThat(skeleton.getMergeId()).as(branch).isEqualTo(request.getMergeId());
            assertThat(skeleton.getDialogId(true)).as(branch).isEqualTo(request.getDialogId(true));
            assertThat(skeleton.getFromTag()).isEqualTo("f-1");
            assertThat(skeleton.getToTag()).isNull();
            assertThat(skeleton.getMethod()).isEqualTo("REGISTER");
            assertThat(skeleton.getRequestURI()).isEqualTo(request.getRequestURI());
        }
    }

    private static SIPRequest parse(String branch) throws Exception {
        byte[] bytes = String.format(REGISTER, branch).getBytes(StandardCharsets.UTF_8);
        return (SIPRequest) new StringMsgParser().parseSIPMessage(bytes, true, false, null);
    }

    private static List<String> headerNames(SIPRequest request) {
        List<String> names = new ArrayList<>();
        request.getHeaderNames().forEachRemaining(name -> names.add((String) name));
        return names;
    }
}
