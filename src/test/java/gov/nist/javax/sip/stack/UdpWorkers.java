package gov.nist.javax.sip.stack;

import java.util.List;
import javax.sip.SipStack;

/**
 * Test support in JAIN-SIP's package (its fields are package-visible): whether a started stack's UDP
 * processors have created their worker channels. {@code UDPMessageProcessor.run()} builds that list on
 * its own thread after {@code start()} returns, and {@code stop()} iterates it: a stack stopped in
 * between failed with a ConcurrentModificationException (a test that starts and stops at once).
 */
public final class UdpWorkers {

    private UdpWorkers() {
    }

    public static boolean created(SipStack stack, int workersPerProcessor) {
        for (MessageProcessor processor : ((SIPTransactionStack) stack).getMessageProcessors()) {
            if (processor instanceof UDPMessageProcessor udp) {
                List<?> channels = udp.messageChannels;
                if (channels == null || channels.size() < workersPerProcessor) {
                    return false;
                }
            }
        }
        return true;
    }
}
