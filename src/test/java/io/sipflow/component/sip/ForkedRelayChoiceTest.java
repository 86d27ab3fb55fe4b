package io.sipflow.component.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.component.sip.ForkedRelay.BranchFinal;

import java.util.List;
import javax.sip.SipFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;

/**
 * Which final response a parallel fork answers with when no branch was decisive (RFC 3261 §16.7
 * step 6), and with which outcome: the outcome is the chosen response's own, so a fork whose
 * branches all timed out is SipFlow's {@code timeout} (held for a late answer), not a response.
 */
class ForkedRelayChoiceTest {

    private final MessageFactory messages;

    ForkedRelayChoiceTest() throws Exception {
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        messages = factory.createMessageFactory();
    }

    @Test
    void allBranchesTimedOutIsSipFlowsOwnTimeout() throws Exception {
        BranchFinal chosen = ForkedRelay.best(List.of(
                fin(408, "a", SipOutcome.TIMEOUT), fin(408, "b", SipOutcome.TIMEOUT)));
        assertThat(chosen.outcome()).isEqualTo(SipOutcome.TIMEOUT);
        assertThat(chosen.response().getStatusCode()).isEqualTo(408);
    }

    @Test
    void aRealAnswerOfTheSameClassBeatsSipFlowsTimeout() throws Exception {
        BranchFinal chosen = ForkedRelay.best(List.of(
                fin(408, "a", SipOutcome.TIMEOUT), fin(486, "b", SipOutcome.RESPONSE)));
        assertThat(chosen.response().getStatusCode()).isEqualTo(486);
        assertThat(chosen.outcome()).isEqualTo(SipOutcome.RESPONSE);
    }

    @Test
    void aCalleesOwn408BeatsSipFlowsWhicheverCameFirst() throws Exception {
        BranchFinal received = fin(408, "callee", SipOutcome.RESPONSE);
        assertThat(ForkedRelay.best(List.of(fin(408, "a", SipOutcome.TIMEOUT), received))).isSameAs(received);
        assertThat(ForkedRelay.best(List.of(received, fin(408, "a", SipOutcome.TIMEOUT)))).isSameAs(received);
    }

    @Test
    void aTimeoutBeatsAHigherClassAndKeepsItsOutcome() throws Exception {
        BranchFinal chosen = ForkedRelay.best(List.of(
                fin(503, "a", SipOutcome.UNREACHABLE), fin(408, "b", SipOutcome.TIMEOUT)));
        assertThat(chosen.response().getStatusCode()).isEqualTo(408);
        assertThat(chosen.outcome()).isEqualTo(SipOutcome.TIMEOUT);
    }

    @Test
    void allBranchesUnreachableIsUnreachable() throws Exception {
        BranchFinal chosen = ForkedRelay.best(List.of(
                fin(503, "a", SipOutcome.UNREACHABLE), fin(503, "b", SipOutcome.UNREACHABLE)));
        assertThat(chosen.outcome()).isEqualTo(SipOutcome.UNREACHABLE);
    }

    private BranchFinal fin(int code, String toTag, SipOutcome outcome) throws Exception {
        Response response = messages.createResponse("SIP/2.0 " + code + " Whatever\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-x\r\n"
                + "From: <sip:pbx@127.0.0.1>;tag=caller\r\n"
                + "To: <sip:401@fork.example>;tag=" + toTag + "\r\n"
                + "Call-ID: fork-choice\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Content-Length: 0\r\n\r\n");
        return new BranchFinal(null, response, outcome);
    }
}
