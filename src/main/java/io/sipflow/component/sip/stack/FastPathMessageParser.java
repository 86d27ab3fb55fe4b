package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;

import java.text.ParseException;

/**
 * JAIN-SIP's message parser with {@link FastHeaderParser} in front of its first-line and per-header parsers: a
 * header the fast parser builds is attached as JAIN-SIP would attach it; any other header, and any
 * header whose attachment fails (a second CSeq, say), goes through JAIN-SIP's own
 * {@code processHeader}, so its error handling (400, the parse-exception listener) stays as it is.
 */
final class FastPathMessageParser extends StringMsgParser {

    @Override
    protected SIPMessage processFirstLine(String firstLine, ParseExceptionListener listener, byte[] raw)
            throws ParseException {
        if (firstLine.startsWith("SIP/2.0 ")) {
            StatusLine statusLine = FastHeaderParser.statusLine(firstLine);
            if (statusLine != null) {
                SIPResponse response = new ParsedResponse();
                response.setStatusLine(statusLine);
                return response;
            }
        } else {
            RequestLine requestLine = FastHeaderParser.requestLine(firstLine);
            if (requestLine != null) {
                SIPRequest request = new ParsedRequest();
                request.setRequestLine(requestLine);
                return request;
            }
        }
        return super.processFirstLine(firstLine, listener, raw);
    }

    @Override
    protected void processHeader(String header, SIPMessage message, ParseExceptionListener listener, byte[] raw)
            throws ParseException {
        SIPHeader parsed = header == null || header.isEmpty() ? null : FastHeaderParser.parse(header);
        if (parsed == null) {
            super.processHeader(header, message, listener, raw);
            return;
        }
        try {
            message.attachHeader(parsed, false);
        } catch (ParseException duplicate) {
            // let JAIN-SIP parse and attach it again: same exception, same handling
            super.processHeader(header, message, listener, raw);
        }
    }
}
