package io.sipflow.module.forwarding;

import java.util.function.Consumer;
import javax.sip.message.Request;

/** Sends a REGISTER to a secondary registrar and reports its final answer, asynchronously. */
public interface SecondaryTransport {

    /**
     * @param request     the REGISTER, complete but for the Via
     * @param destination URI of the registrar to send it to
     * @param onReply     called once with the final answer, on any thread
     */
    void send(Request request, String destination, Consumer<SecondaryReply> onReply);
}
