package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawMessageScreenTest {

    private static final String HEADERS = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";

    private static String check(String text) {
        return RawMessageScreen.check(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void wellFormedRequestPasses() {
        assertThat(check("OPTIONS sip:user@example.com SIP/2.0\r\n" + HEADERS)).isNull();
    }

    @Test
    void extraOrTrailingSpacesAndBracketsInTheRequestLineAreRefused() {
        assertThat(check("OPTIONS  sip:user@example.com SIP/2.0\r\n" + HEADERS)).isNotNull();
        assertThat(check("OPTIONS sip:user@example.com SIP/2.0 \r\n" + HEADERS)).isNotNull();
        assertThat(check("OPTIONS <sip:user@example.com> SIP/2.0\r\n" + HEADERS)).isNotNull();
    }

    @Test
    void repeatedSingleValuedHeadersInAnyFormAreRefused() {
        assertThat(check("OPTIONS sip:u@e SIP/2.0\r\n" + HEADERS.replace("Call-ID: x\r\n", "Call-ID: x\r\ni: y\r\n")))
                .contains("Call-ID");
    }

    @Test
    void whitespaceInsideAngleBracketsAndBareIpv6HostsAreRefused() {
        assertThat(check("OPTIONS sip:u@e SIP/2.0\r\n" + HEADERS.replace("To: <sip:c@d>", "To: < sip:c@d >"))).isNotNull();
        assertThat(check("REGISTER sip:2001:db8::10 SIP/2.0\r\n" + HEADERS)).contains("IPv6");
        assertThat(check("REGISTER sip:[2001:db8::10]:5070 SIP/2.0\r\n" + HEADERS)).isNull();
    }

    @Test
    void byteLevelEdgesReadLikeTheGrammar() {
        // bare LF line ends, compact forms in any case, a name with spaces before the colon
        assertThat(check("OPTIONS sip:u@e SIP/2.0\n" + HEADERS.replace("\r\n", "\n"))).isNull();
        assertThat(check("OPTIONS sip:u@e SIP/2.0\r\n" + HEADERS.replace("Call-ID: x\r\n", "Call-ID: x\r\nI : y\r\n")))
                .isEqualTo("more than one Call-ID header");
        assertThat(check("OPTIONS sip:u@e SIP/2.0\r\n" + HEADERS.replace("To: <sip:c@d>", "T: <sip:c@d\t>")))
                .isEqualTo("whitespace inside <addr-spec> of t");
        // what follows an empty line is not a header any more
        assertThat(check("OPTIONS sip:u@e SIP/2.0\r\n" + HEADERS.replace("\r\n\r\n", "\r\n\nCall-ID: again\r\n\r\n")))
                .isNull();
        // a non-ASCII method, a tab in the Request-URI, a version without minor number
        assertThat(check("OPTI\u00d6NS sip:u@e SIP/2.0\r\n" + HEADERS)).isEqualTo("malformed request line");
        assertThat(check("OPTIONS sip:u@e\tx SIP/2.0\r\n" + HEADERS)).isEqualTo("malformed request line");
        assertThat(check("OPTIONS sip:u@e SIP/2.\r\n" + HEADERS)).isEqualTo("malformed request line");
    }

    @Test
    void responsesAreLeftToTheParser() {
        assertThat(check("SIP/2.0  200  OK\r\n" + HEADERS)).isNull();
    }
}
