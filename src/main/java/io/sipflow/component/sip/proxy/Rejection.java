package io.sipflow.component.sip.proxy;

/** A request SipFlow refuses before any route sees it: the status to answer and why. */
public record Rejection(int code, String reason, String headerName, String headerValue) {

    static Rejection of(int code, String reason) {
        return new Rejection(code, reason, null, null);
    }
}
