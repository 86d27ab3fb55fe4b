package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.ListeningPointImpl;
import gov.nist.javax.sip.stack.QueuedMessageDispatchBase;
import gov.nist.javax.sip.stack.UDPMessageProcessor;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import javax.sip.ListeningPoint;
import javax.sip.SipProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's UDP receive queues: how long the oldest datagram has been waiting (the queueing delay
 * between the socket read and a SIP thread taking the message), and dropping stale datagrams unread
 * (what the stack's own {@code CONGESTION_CONTROL_TIMEOUT} auditor does, every 2 s at 8 s by
 * default; SipFlow does it sooner, see {@link OverloadGuard}). In JAIN-SIP RI 1.3 each UDP
 * listening point has one reader thread that puts every datagram, stamped with
 * {@code System.currentTimeMillis()}, into an unbounded {@code messageQueue} that the
 * {@code THREAD_POOL_SIZE} SIP threads take from. Requests and the next hops' responses share that
 * queue, so its wait is the local overload a client sees (and what makes relays time out), whatever
 * the cause: CPU, GC pauses, or SIP threads that block. The queue is a protected field without a
 * getter; it is read once by reflection.
 */
final class JainSipReceiveQueues implements ReceiveQueues {

    private static final Logger LOG = LoggerFactory.getLogger(JainSipReceiveQueues.class);

    private final List<Queue<?>> queues;

    private JainSipReceiveQueues(List<Queue<?>> queues) {
        this.queues = List.copyOf(queues);
    }

    /** The receive queues of every UDP listening point of these providers. */
    static JainSipReceiveQueues of(List<SipProvider> providers) {
        List<Queue<?>> queues = new ArrayList<>();
        Field field;
        try {
            field = UDPMessageProcessor.class.getDeclaredField("messageQueue");
            field.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("JAIN-SIP UDP receive queue not found ({}): overload detection by queueing delay is off", e.toString());
            return new JainSipReceiveQueues(queues);
        }
        for (SipProvider provider : providers) {
            for (ListeningPoint lp : provider.getListeningPoints()) {
                if (lp instanceof ListeningPointImpl impl && impl.getMessageProcessor() instanceof UDPMessageProcessor udp) {
                    try {
                        if (field.get(udp) instanceof Queue<?> queue) {
                            queues.add(queue);
                        }
                    } catch (IllegalAccessException e) {
                        LOG.warn("JAIN-SIP UDP receive queue of {} not readable: {}", lp.getPort(), e.toString());
                    }
                }
            }
        }
        return new JainSipReceiveQueues(queues);
    }

    /** Number of UDP receive queues watched. */
    int queueCount() {
        return queues.size();
    }

    @Override
    public long oldestWaitMillis() {
        long now = System.currentTimeMillis();
        long oldest = 0;
        for (Queue<?> queue : queues) {
            if (queue.peek() instanceof QueuedMessageDispatchBase head) {
                oldest = Math.max(oldest, now - head.getReceptionTime());
            }
        }
        return oldest;
    }

    @Override
    public int dropOlderThan(long maxWaitMillis) {
        long now = System.currentTimeMillis();
        int dropped = 0;
        for (Queue<?> queue : queues) {
            // FIFO: the head is the oldest; the SIP threads may take it first, remove() then just misses
            while (queue.peek() instanceof QueuedMessageDispatchBase head && now - head.getReceptionTime() > maxWaitMillis) {
                if (queue.remove(head)) {
                    dropped++;
                }
            }
        }
        return dropped;
    }
}
