package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.SIPTransactionStack;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stack's parser, counted: every message JAIN-SIP cannot parse is counted once and logged once
 * (first line only, never the whole message) before the stack answers 400 or drops it. With
 * {@code sipflow.sip.fast-header-parser} the common headers are parsed by {@link FastHeaderParser}
 * ({@link FastPathMessageParser}); everything else, and every message around them, by JAIN-SIP.
 */
public final class CountingMessageParserFactory implements MessageParserFactory {

    private static final Logger LOG = LoggerFactory.getLogger(CountingMessageParserFactory.class);
    private static final Map<SIPTransactionStack, Policy> POLICIES = new ConcurrentHashMap<>();

    /** What a stack's parser enforces and where it counts. */
    record Policy(SipCounters counters, int maxMessageSize, boolean fastHeaderParser) {
    }

    static void register(javax.sip.SipStack stack, SipCounters counters, int maxMessageSize,
            boolean fastHeaderParser) {
        POLICIES.put((SIPTransactionStack) stack, new Policy(counters, maxMessageSize, fastHeaderParser));
    }

    static void unregister(javax.sip.SipStack stack) {
        POLICIES.remove((SIPTransactionStack) stack);
    }

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        return new CountingParser(stack);
    }

    private static final class CountingParser implements MessageParser {
        private final SIPTransactionStack stack;
        private final StringMsgParser plain = new StringMsgParser();
        private final StringMsgParser fast = new FastPathMessageParser();

        CountingParser(SIPTransactionStack stack) {
            this.stack = stack;
        }

        @Override
        public SIPMessage parseSIPMessage(byte[] bytes, boolean readBody, boolean strict,
                ParseExceptionListener listener) throws ParseException {
            Policy policy = POLICIES.get(stack);
            try {
                if (policy != null && bytes != null && bytes.length > policy.maxMessageSize()) {
                    throw new ParseException("message of " + bytes.length + " bytes exceeds sipflow.sip.max-message-size", 0);
                }
                String refusal = RawMessageScreen.check(bytes);
                if (refusal != null) {
                    throw new ParseException(refusal, 0);
                }
                StringMsgParser parser = policy != null && policy.fastHeaderParser() ? fast : plain;
                return parser.parseSIPMessage(bytes, readBody, strict, listener);
            } catch (ParseException | RuntimeException e) {
                if (policy != null) {
                    policy.counters().unparseableMessages.increment();
                }
                LOG.warn("Unparseable SIP message ({} bytes) starting '{}': {}", bytes == null ? 0 : bytes.length,
                        firstLine(bytes), e.getMessage());
                if (e instanceof ParseException pe) {
                    throw pe;
                }
                throw new ParseException("unparseable message: " + e, 0);
            }
        }

        private static String firstLine(byte[] bytes) {
            if (bytes == null) {
                return "";
            }
            int end = 0;
            while (end < bytes.length && end < 120 && bytes[end] != '\r' && bytes[end] != '\n') {
                end++;
            }
            // printable ASCII only: nothing from the wire reaches a log verbatim
            StringBuilder sb = new StringBuilder(end);
            for (char c : new String(bytes, 0, end, StandardCharsets.ISO_8859_1).toCharArray()) {
                sb.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return sb.toString();
        }
    }
}
