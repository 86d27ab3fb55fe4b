package gov.nist.javax.sip.stack;

import gov.nist.javax.sip.SipStackImpl;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.LinkedList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's UDP message processor with a receive loop that reuses one buffer: each datagram is
 * received into it and handed on as a copy of its own length. The stock loop allocates a fresh
 * buffer of the maximum message size (64 KiB by default) for every datagram, which at a few thousand
 * requests of ~600 bytes a second was the process's largest source of garbage (JFR: 2.3 GB of
 * {@code byte[]} per 10 s at 3x load). Everything after the receive is the stack's own: the same
 * worker channels take the datagrams from {@link #messageQueue}, stamped with their arrival time for
 * congestion control and SipFlow's queue-delay measure, and parse them as before.
 */
public class CompactUdpMessageProcessor extends UDPMessageProcessor {

    /** Named under io.sipflow: logback keeps the stack's own package (gov.nist.javax.sip) at ERROR. */
    private static final Logger LOG = LoggerFactory.getLogger("io.sipflow.component.sip.stack.CompactUdpMessageProcessor");

    private final int bufferSize;
    private long receiveFailures;

    public CompactUdpMessageProcessor(InetAddress ipAddress, SIPTransactionStack sipStack, int port) throws IOException {
        super(ipAddress, sipStack, port);
        // the stock processor's size: the stack's maximum message size, at most the largest datagram
        int max = sipStack.getMaxMessageSize();
        this.bufferSize = max > 0 && max < SipStackImpl.MAX_DATAGRAM_SIZE ? max : SipStackImpl.MAX_DATAGRAM_SIZE;
    }

    @Override
    public void run() {
        messageChannels = new LinkedList<UDPMessageChannel>();
        int workers = sipStack.threadPoolSize;
        if (workers != -1) {
            for (int i = 0; i < workers; i++) {
                messageChannels.add(new UDPMessageChannel(sipStack, this,
                        ((SipStackImpl) sipStack).getStackName() + "-UDPMessageChannelThread-" + i));
            }
        }
        byte[] buffer = new byte[bufferSize];
        DatagramPacket received = new DatagramPacket(buffer, buffer.length);
        while (isRunning) {
            try {
                received.setData(buffer, 0, buffer.length);
                sock.receive(received);
                int length = received.getLength();
                DatagramPacket datagram = new DatagramPacket(Arrays.copyOf(buffer, length), length,
                        received.getAddress(), received.getPort());
                if (workers != -1) {
                    messageQueue.offer(new DatagramQueuedMessageDispatch(datagram, System.currentTimeMillis()));
                } else {
                    new UDPMessageChannel(sipStack, this, datagram);
                }
            } catch (SocketTimeoutException e) {
                // no datagram within the socket timeout: loop and check isRunning
            } catch (SocketException e) {
                if (!isRunning) {
                    return; // stop() closed the socket
                }
                logFailure(e);
            } catch (IOException | RuntimeException e) {
                logFailure(e);
            }
        }
    }

    /** The first ten failures of the processor's life, then every 1,000th: a socket error can repeat fast. */
    private void logFailure(Exception e) {
        receiveFailures++;
        if (receiveFailures <= 10 || receiveFailures % 1000 == 0) {
            LOG.warn("UDP receive on port {} failed ({} so far): {}", getPort(), receiveFailures, e.toString());
        }
    }
}
