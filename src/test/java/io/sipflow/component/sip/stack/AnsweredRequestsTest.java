package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class AnsweredRequestsTest {

    private static SIPRequest register(String branch) throws Exception {
        String text = "REGISTER sip:tenant-a.example SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.3:5070;branch=z9hG4bK-" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:201@tenant-a.example>;tag=" + branch + "\r\n"
                + "To: <sip:201@tenant-a.example>\r\n"
                + "Call-ID: " + branch + "@127.0.0.3\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + "Content-Length: 0\r\n\r\n";
        return (SIPRequest) new StringMsgParser().parseSIPMessage(text.getBytes(StandardCharsets.UTF_8), true, false, null);
    }

    @Test
    void answersExpireInTheOrderTheyWereKeptAndAreForgottenWhenTheNextIsKept() throws Exception {
        AnsweredRequests answered = new AnsweredRequests(Duration.ofMillis(200), new LongAdder());
        byte[] ok = "SIP/2.0 200 OK\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        answered.keep(register("a"), ok);
        answered.keep(register("b"), ok);
        assertThat(answered.size()).isEqualTo(2);
        long keptAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - keptAt > Duration.ofMillis(250).toNanos());
        answered.keep(register("c"), ok);
        assertThat(answered.size()).as("a and b expired, c kept").isEqualTo(1);
    }

    @Test
    void onlyIpLiteralsAreTakenForAnAddressWithoutALookUp() {
        assertThat(AnsweredRequests.isIpLiteral("127.0.0.3")).isTrue();
        assertThat(AnsweredRequests.isIpLiteral("::1")).isTrue();
        assertThat(AnsweredRequests.isIpLiteral("[2001:db8::1]")).isTrue();
        assertThat(AnsweredRequests.isIpLiteral("pbx.tenant-a.example")).isFalse();
        assertThat(AnsweredRequests.isIpLiteral("")).isFalse();
    }
}
