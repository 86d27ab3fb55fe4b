package gov.nist.javax.sip.stack;

import java.io.IOException;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/**
 * JAIN-SIP's NIO TCP processor, with an accepted connection registered for reuse once, on the
 * selector thread, when it is accepted.
 *
 * <p>Stock JAIN-SIP registers an accepted connection when the first request read from it is
 * processed ({@code ConnectionOrientedMessageChannel.processMessage}: {@code if (!isCached) {
 * isCached = true; ... cacheMessageChannel(this); }}). The requests of one connection are processed
 * on several threads at once (one per Call-ID), so when a client sends two requests right after
 * connecting both threads can pass the check, and {@code cacheMessageChannel} closes whatever
 * channel is already registered under the key: the second thread closes the connection the first
 * just registered, its own. The client gets no answer at all. Doing the same registration here,
 * before any byte of the connection is read, leaves nothing for the processing threads to race on.
 */
public class AcceptCachingNioTcpMessageProcessor extends NioTcpMessageProcessor {

    public AcceptCachingNioTcpMessageProcessor(java.net.InetAddress ipAddress, SIPTransactionStack sipStack, int port) {
        super(ipAddress, sipStack, port);
    }

    /** Called by the selector thread for each accepted connection, before it is registered for reading. */
    @Override
    public NioTcpMessageChannel createMessageChannel(NioTcpMessageProcessor processor, SocketChannel client)
            throws IOException {
        NioTcpMessageChannel channel = super.createMessageChannel(processor, client);
        if (!channel.isCached) {
            channel.isCached = true;
            Socket socket = client.socket();
            nioHandler.putSocket(IOHandler.makeKey(socket.getInetAddress(), socket.getPort()), client);
            cacheMessageChannel(channel);
        }
        return channel;
    }
}
