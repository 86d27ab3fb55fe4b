package io.sipflow.component.sip.stack;

import static io.sipflow.component.sip.SipProtocolConstants.hasMagicCookie;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import gov.nist.javax.sip.stack.ServerRequestInterface;
import gov.nist.javax.sip.stack.ServerResponseInterface;
import java.util.Properties;
import javax.sip.PeerUnavailableException;

/**
 * JAIN-SIP's stack with two changes: retransmissions of answered non-INVITE requests are answered
 * from {@link AnsweredRequests} before the stack looks for a transaction, and a received response
 * finds its client transaction without a scan.
 *
 * <p>JAIN-SIP 1.3 looks the response up by its transaction id and, when no transaction has that
 * id, compares it with every client transaction of the stack ({@code isMessagePartOfTransaction}
 * on each) before handing it on as stray, whatever its branch. A proxy gets stray responses all
 * the time (a UAS retransmitting its 2xx to an INVITE, an answer after its transaction ended), and
 * each one scanned the tens of thousands of transactions lingering at load: in a stalled 2,000
 * calls/s step that scan was half the SIP threads' samples, and the delay it caused made more 2xx
 * be retransmitted, hence more scans (bench/results/session12-2026-12-07.txt §11).
 *
 * <p>For a response whose top Via branch carries RFC 3261's magic cookie the look-up by id is
 * exact: a client transaction matches it only by that branch and the CSeq method (§17.1.3), which
 * is what the id is made of, so the scan can find nothing the look-up missed. Such a response goes
 * straight on as stray, through the same valves and the same handler JAIN-SIP uses after an empty
 * scan. Responses of an RFC 2543 branch, and every response a transaction has, take JAIN-SIP's own
 * path unchanged (those pay one more table look-up; the parser's responses remember their id).
 */
public class SipFlowSipStack extends SipStackImpl {

    /** What the stack does with a retransmission answered from {@link AnsweredRequests}: nothing more. */
    private static final ServerRequestInterface ANSWERED_AGAIN = (request, channel) -> { };

    private final AnsweredRequests answeredRequests;

    public SipFlowSipStack(Properties properties, AnsweredRequests answeredRequests) throws PeerUnavailableException {
        super(properties);
        this.answeredRequests = answeredRequests;
    }

    @Override
    public ServerRequestInterface newSIPServerRequest(SIPRequest request, MessageChannel channel) {
        if (answeredRequests.answerRetransmission(request, channel)) {
            return ANSWERED_AGAIN;
        }
        return super.newSIPServerRequest(request, channel);
    }

    @Override
    public ServerResponseInterface newSIPServerResponse(SIPResponse response, MessageChannel channel) {
        if (hasMagicCookieBranch(response) && findTransaction(response.getTransactionId(), false) == null) {
            for (SIPMessageValve valve : sipMessageValves) {
                if (!valve.processResponse(response, channel)) {
                    return null;
                }
            }
            return sipMessageFactory.newSIPServerResponse(response, channel);
        }
        return super.newSIPServerResponse(response, channel);
    }

    private static boolean hasMagicCookieBranch(SIPResponse response) {
        Via top = response.getTopmostVia();
        return top != null && hasMagicCookie(top.getBranch());
    }
}
