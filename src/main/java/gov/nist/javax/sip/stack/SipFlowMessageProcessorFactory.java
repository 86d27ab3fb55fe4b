package gov.nist.javax.sip.stack;

import java.io.IOException;
import java.net.InetAddress;
import javax.sip.ListeningPoint;

/**
 * JAIN-SIP's NIO message processors, with {@link CompactUdpMessageProcessor} for UDP and
 * {@link AcceptCachingNioTcpMessageProcessor} for TCP. Named by
 * {@code gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY} in SipFlow's stack properties; it lives in the
 * stack's package because what it changes is package-private. Any other transport is the stock
 * factory's.
 */
public class SipFlowMessageProcessorFactory extends NioMessageProcessorFactory {

    @Override
    public MessageProcessor createMessageProcessor(SIPTransactionStack sipStack, InetAddress ipAddress, int port,
            String transport) throws IOException {
        if (ListeningPoint.UDP.equalsIgnoreCase(transport)) {
            // as the stock factory does: UDP answers and relays leave from the listening socket
            // (without the flag the stack sends each from a new ephemeral socket)
            sipStack.udpFlag = true;
            return new CompactUdpMessageProcessor(ipAddress, sipStack, port);
        }
        if (ListeningPoint.TCP.equalsIgnoreCase(transport)) {
            return new AcceptCachingNioTcpMessageProcessor(ipAddress, sipStack, port);
        }
        return super.createMessageProcessor(sipStack, ipAddress, port, transport);
    }
}
