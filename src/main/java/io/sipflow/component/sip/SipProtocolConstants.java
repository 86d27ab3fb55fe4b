package io.sipflow.component.sip;

import java.time.Duration;

/** Wire-level constants: RFC 3261 values and the proxy's timer defaults. */
public final class SipProtocolConstants {

    private SipProtocolConstants() {
    }

    /** RFC 3261 §8.1.1.7: every branch we create starts with the magic cookie. */
    public static final String MAGIC_COOKIE = "z9hG4bK";
    /** Our branches: cookie + this marker + loop hash + '.' + unique part. */
    public static final String BRANCH_PREFIX = MAGIC_COOKIE + "sf";
    /** RFC 3261 §16.6 step 3: Max-Forwards to insert when a request has none. */
    public static final int DEFAULT_MAX_FORWARDS = 70;
    public static final int DEFAULT_PORT = 5060;

    /** OpenSIPS tm {@code fr_timeout}: wait for a final reply (non-INVITE, INVITE before 1xx). */
    public static final Duration DEFAULT_FINAL_RESPONSE_TIMEOUT = Duration.ofSeconds(5);
    /** OpenSIPS tm {@code fr_inv_timeout}: wait for a final reply to an INVITE once it rang. */
    public static final Duration DEFAULT_INVITE_FINAL_RESPONSE_TIMEOUT = Duration.ofSeconds(120);

    public static final int TRYING = 100;
    public static final int OK = 200;
    public static final int BAD_REQUEST = 400;
    public static final int FORBIDDEN = 403;
    public static final int NOT_FOUND = 404;
    public static final int REQUEST_TIMEOUT = 408;
    public static final int UNSUPPORTED_URI_SCHEME = 416;
    public static final int BAD_EXTENSION = 420;
    public static final int TRANSACTION_DOES_NOT_EXIST = 481;
    public static final int LOOP_DETECTED = 482;
    public static final int TOO_MANY_HOPS = 483;
    public static final int REQUEST_TERMINATED = 487;
    public static final int SERVER_INTERNAL_ERROR = 500;
    public static final int SERVICE_UNAVAILABLE = 503;
    public static final int VERSION_NOT_SUPPORTED = 505;

    /** Methods this proxy answers itself when addressed to it (OPTIONS keepalive) and relays. */
    public static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, NOTIFY, SUBSCRIBE, "
            + "MESSAGE, INFO, PRACK, UPDATE, REFER, PUBLISH";

    /** Whether a branch starts with the magic cookie (any case, as JAIN-SIP compares it): an RFC 3261 branch. */
    public static boolean hasMagicCookie(String branch) {
        return branch != null && branch.regionMatches(true, 0, MAGIC_COOKIE, 0, MAGIC_COOKIE.length());
    }
}
