package io.sipflow.component.sip.stack;

import gov.nist.core.Host;
import gov.nist.core.HostPort;
import gov.nist.core.NameValue;
import gov.nist.javax.sip.address.AddressImpl;
import gov.nist.javax.sip.address.SipUri;
import gov.nist.javax.sip.header.AddressParametersHeader;
import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.Contact;
import gov.nist.javax.sip.header.ContactList;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.Expires;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.MaxForwards;
import gov.nist.javax.sip.header.Protocol;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.header.SIPHeaderList;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.header.ViaList;
import gov.nist.javax.sip.message.SIPRequest;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Parses the plain forms of the headers every REGISTER, INVITE and their answers carry (Via, From,
 * To, Contact, Call-ID, CSeq, Max-Forwards, Content-Length, Expires), of request and status lines and
 * of SIP URI strings straight into the same JAIN-SIP objects JAIN-SIP's own parsers build, without
 * their per-header lexer: a JFR allocation
 * profile put JAIN-SIP's header parsing at ~40 % of what a SIP thread allocates (a new lexer per
 * header, tokens, upper-cased copies for keyword lookups).
 * <p>
 * It knows only a conservative grammar: token characters, {@code sip:}/{@code sips:} URIs with a
 * plain user and a host name or IPv4 address, no escapes, no IPv6, no URI headers, a quoted display
 * name without escapes, no whitespace where the grammar does not need it. Anything else returns
 * {@code null} and the caller hands the header to JAIN-SIP's parser, so every unusual, malformed
 * or hostile header still gets JAIN-SIP's answer. For what it accepts it builds the objects with the
 * same setters in the same order, so the result equals (field by field) what JAIN-SIP builds
 * ({@code FastHeaderParserTest} compares both on every line it can).
 */
public final class FastHeaderParser {

    private static final String SIP_VERSION = "SIP/2.0";

    private FastHeaderParser() {
    }

    /**
     * @param line one unfolded header line, {@code Name: value}, without its line end
     * @return the parsed header (a {@link ViaList} / {@link ContactList} for those), or {@code null}
     *     when this parser does not handle the header or its form
     */
    static SIPHeader parse(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        int nameEnd = colon;
        while (nameEnd > 0 && isWhitespace(line.charAt(nameEnd - 1))) {
            nameEnd--;
        }
        int start = skipWhitespace(line, colon + 1, line.length());
        int end = line.length();
        while (end > start && isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        if (start >= end) {
            return null;
        }
        try {
            switch (nameEnd) {
                case 1:
                    return compact(Character.toLowerCase(line.charAt(0)), line, start, end);
                case 2:
                    return is(line, "to") ? addressHeader(new To(), line, start, end) : null;
                case 3:
                    return is(line, "via") ? via(line, start, end) : null;
                case 4:
                    if (is(line, "from")) {
                        return addressHeader(new From(), line, start, end);
                    }
                    return is(line, "cseq") ? cseq(line, start, end) : null;
                case 7:
                    if (is(line, "contact")) {
                        return contact(line, start, end);
                    }
                    if (is(line, "call-id")) {
                        return callId(line, start, end);
                    }
                    return is(line, "expires") ? number(new Expires(), Expires::setExpires, line, start, end) : null;
                case 12:
                    return is(line, "max-forwards")
                            ? number(new MaxForwards(), MaxForwards::setMaxForwards, line, start, end) : null;
                case 14:
                    return is(line, "content-length")
                            ? number(new ContentLength(), ContentLength::setContentLength, line, start, end) : null;
                default:
                    return null;
            }
        } catch (Exception e) {
            // a setter refused a value: JAIN-SIP's parser gives the answer for it
            return null;
        }
    }

    /**
     * A plain {@code sip:}/{@code sips:} URI string, as {@code AddressFactory.createURI} would parse it
     * (URI parameters included), without JAIN-SIP's lexer.
     * @return the URI, or {@code null} for any other form: then use the {@code AddressFactory}
     */
    public static SipUri sipUri(String uri) {
        try {
            SipUri parsed = new SipUri();
            return sipUri(parsed, uri, 0, uri.length(), true) == uri.length() ? parsed : null;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * {@code METHOD sip:uri SIP/2.0}, the method in capitals, a plain {@code sip:}/{@code sips:} URI.
     * @return the request line, or {@code null} for any other form (left to JAIN-SIP)
     */
    static RequestLine requestLine(String line) {
        int methodEnd = 0;
        while (methodEnd < line.length() && line.charAt(methodEnd) >= 'A' && line.charAt(methodEnd) <= 'Z') {
            methodEnd++;
        }
        if (methodEnd == 0 || methodEnd >= line.length() || line.charAt(methodEnd) != ' ') {
            return null;
        }
        int end = line.length();
        if (!line.endsWith(" " + SIP_VERSION)) {
            return null;
        }
        int uriEnd = end - SIP_VERSION.length() - 1;
        try {
            SipUri uri = new SipUri();
            if (sipUri(uri, line, methodEnd + 1, uriEnd, true) != uriEnd) {
                return null;
            }
            RequestLine requestLine = new RequestLine();
            requestLine.setMethod(line.substring(0, methodEnd));
            requestLine.setUri(uri);
            requestLine.setSipVersion(SIP_VERSION);
            return requestLine;
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * {@code SIP/2.0 code reason}, a three-digit code and a printable ASCII reason.
     * @return the status line, or {@code null} for any other form (left to JAIN-SIP)
     */
    static StatusLine statusLine(String line) {
        int end = line.length();
        while (end > 0 && isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        int codeStart = SIP_VERSION.length() + 1;
        if (!line.startsWith(SIP_VERSION + " ") || digits(line, codeStart, end, 3) != codeStart + 3) {
            return null;
        }
        int codeEnd = codeStart + 3;
        String reason = "";
        if (codeEnd < end) {
            if (line.charAt(codeEnd) != ' ') {
                return null;
            }
            for (int i = codeEnd + 1; i < end; i++) {
                char c = line.charAt(i);
                if ((c < ' ' && c != '\t') || c >= 0x7f) {
                    return null;
                }
            }
            reason = line.substring(codeEnd + 1, end).trim();
        }
        try {
            StatusLine statusLine = new StatusLine();
            statusLine.setSipVersion(SIP_VERSION);
            statusLine.setStatusCode(Integer.parseInt(line, codeStart, codeEnd, 10));
            statusLine.setReasonPhrase(reason);
            return statusLine;
        } catch (Exception e) {
            return null;
        }
    }

    private static SIPHeader compact(char name, String line, int start, int end) throws Exception {
        return switch (name) {
            case 'v' -> via(line, start, end);
            case 'f' -> addressHeader(new From(), line, start, end);
            case 't' -> addressHeader(new To(), line, start, end);
            case 'm' -> contact(line, start, end);
            case 'i' -> callId(line, start, end);
            case 'l' -> number(new ContentLength(), ContentLength::setContentLength, line, start, end);
            default -> null;
        };
    }

    private static boolean is(String line, String name) {
        return line.regionMatches(true, 0, name, 0, name.length());
    }

    // ---------------------------------------------------------------------------------------------
    // Single-value headers
    // ---------------------------------------------------------------------------------------------

    private static SIPHeader callId(String line, int start, int end) throws Exception {
        for (int i = start; i < end; i++) {
            char c = line.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        CallID callId = new CachedCallId();
        callId.setCallId(line.substring(start, end));
        return callId;
    }

    private static SIPHeader cseq(String line, int start, int end) throws Exception {
        int digitsEnd = digits(line, start, end, 10);
        if (digitsEnd < 0 || digitsEnd == end || line.charAt(digitsEnd) != ' ') {
            return null;
        }
        int methodStart = skipWhitespace(line, digitsEnd, end);
        int methodEnd = token(line, methodStart, end);
        if (methodEnd != end || methodEnd == methodStart) {
            return null;
        }
        CSeq cseq = new CSeq();
        cseq.setSeqNumber(Long.parseLong(line, start, digitsEnd, 10));
        cseq.setMethod(SIPRequest.getCannonicalName(line.substring(methodStart, methodEnd)).intern());
        return cseq;
    }

    /** Sets a header's number (JAIN-SIP's setter, with its range check). */
    @FunctionalInterface
    private interface NumberSetter<H> {
        void set(H header, int value) throws Exception;
    }

    /** A header whose value is one number of at most 9 digits (Max-Forwards, Content-Length, Expires). */
    private static <H extends SIPHeader> SIPHeader number(H header, NumberSetter<H> setter, String line, int start,
            int end) throws Exception {
        if (digits(line, start, end, 9) != end) {
            return null;
        }
        setter.set(header, Integer.parseInt(line, start, end, 10));
        return header;
    }

    // ---------------------------------------------------------------------------------------------
    // Via
    // ---------------------------------------------------------------------------------------------

    private static SIPHeader via(String line, int start, int end) throws Exception {
        return commaList(new ViaList(), Via::new, FastHeaderParser::oneVia, line, start, end);
    }

    /** @return the index after this Via (end, or a comma), or -1 for a form left to JAIN-SIP */
    private static int oneVia(Via via, String line, int start, int end) throws Exception {
        int nameEnd = token(line, start, end);
        if (nameEnd == start || nameEnd >= end || line.charAt(nameEnd) != '/') {
            return -1;
        }
        int versionEnd = token(line, nameEnd + 1, end);
        if (versionEnd == nameEnd + 1 || versionEnd >= end || line.charAt(versionEnd) != '/') {
            return -1;
        }
        int transportEnd = token(line, versionEnd + 1, end);
        if (transportEnd == versionEnd + 1 || transportEnd >= end || line.charAt(transportEnd) != ' ') {
            return -1;
        }
        int hostStart = skipWhitespace(line, transportEnd, end);
        Protocol protocol = new Protocol();
        protocol.setProtocolName(line.substring(start, nameEnd));
        protocol.setProtocolVersion(line.substring(nameEnd + 1, versionEnd));
        protocol.setTransport(line.substring(versionEnd + 1, transportEnd));
        via.setSentProtocol(protocol);
        HostPort sentBy = new HostPort();
        int i = hostPort(sentBy, line, hostStart, end);
        if (i < 0) {
            return -1;
        }
        via.setSentBy(sentBy);
        i = parameters(line, i, end, (name, value, next) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (value == null) {
                if (lower.equals(Via.BRANCH)) {
                    return false;
                }
                via.setParameter(new NameValue(lower, null));
                return true;
            }
            if (lower.equals(Via.RECEIVED) && next < end && line.charAt(next) != ';') {
                // JAIN-SIP reads a received value up to the next ';', commas and all
                return false;
            }
            via.setParameter(new NameValue(lower, value));
            return true;
        });
        if (i < 0) {
            return -1;
        }
        return i == end || line.charAt(i) == ',' ? i : -1;
    }

    // ---------------------------------------------------------------------------------------------
    // From, To, Contact
    // ---------------------------------------------------------------------------------------------

    private static SIPHeader addressHeader(AddressParametersHeader header, String line, int start, int end)
            throws Exception {
        int i = addressAndParameters(header, line, start, end);
        return i == end ? header : null;
    }

    private static SIPHeader contact(String line, int start, int end) throws Exception {
        return commaList(new ContactList(), Contact::new, FastHeaderParser::addressAndParameters, line, start, end);
    }

    /** Parses one element of a header line from start; @return the index after it (end or a comma), or -1. */
    @FunctionalInterface
    private interface ElementParser<H> {
        int parse(H element, String line, int start, int end) throws Exception;
    }

    /** Comma-separated elements (Vias, Contacts) into JAIN-SIP's list header, or null for a form left to JAIN-SIP. */
    private static <H extends SIPHeader> SIPHeader commaList(SIPHeaderList<H> list, Supplier<H> element,
            ElementParser<H> parser, String line, int start, int end) throws Exception {
        int i = start;
        while (true) {
            H next = element.get();
            i = parser.parse(next, line, i, end);
            if (i < 0) {
                return null;
            }
            list.add(next);
            if (i == end) {
                return list;
            }
            if (line.charAt(i) != ',') {
                return null;
            }
            i = skipWhitespace(line, i + 1, end);
        }
    }

    /**
     * {@code name-addr} or {@code addr-spec}, then {@code ;param[=value]}s.
     * @return the index after them (end or a comma), or -1 for a form left to JAIN-SIP
     */
    private static int addressAndParameters(AddressParametersHeader header, String line, int start, int end)
            throws Exception {
        if (start >= end) {
            return -1;
        }
        AddressImpl address = new AddressImpl();
        address.setAddressType(AddressImpl.NAME_ADDR);
        int i;
        char first = line.charAt(start);
        if (first == '"') {
            int close = line.indexOf('"', start + 1);
            if (close < 0 || close >= end) {
                return -1;
            }
            for (int k = start + 1; k < close; k++) {
                char c = line.charAt(k);
                if (c == '\\' || c < ' ' || c >= 0x7f) {
                    return -1;
                }
            }
            address.setDisplayName(line.substring(start + 1, close).trim());
            i = skipWhitespace(line, close + 1, end);
            if (i >= end || line.charAt(i) != '<') {
                return -1;
            }
            i = bracketedUri(address, line, i, end);
        } else if (first == '<') {
            i = bracketedUri(address, line, start, end);
        } else if (line.startsWith("sip:", start) || line.startsWith("sips:", start)) {
            address.setAddressType(AddressImpl.ADDRESS_SPEC);
            SipUri uri = new SipUri();
            i = sipUri(uri, line, start, end, false);
            if (i < 0) {
                return -1;
            }
            address.setURI(uri);
        } else {
            // a display name of tokens (sipp <sip:...>, Alice Smith <sip:...>); tel:, other schemes: JAIN-SIP
            int open = displayNameTokens(line, start, end);
            if (open < 0) {
                return -1;
            }
            address.setDisplayName(line.substring(start, open).trim());
            i = bracketedUri(address, line, open, end);
        }
        if (i < 0) {
            return -1;
        }
        header.setAddress(address);
        i = parameters(line, i, end, (name, value, next) -> {
            header.setParameter(genericParameter(name, value));
            return true;
        });
        if (i < 0) {
            return -1;
        }
        return i == end || line.charAt(i) == ',' ? i : -1;
    }

    /** @return the index of the {@code <} after a display name of tokens and spaces at start, or -1 */
    private static int displayNameTokens(String line, int start, int end) {
        int i = start;
        while (i < end && (isTokenChar(line.charAt(i)) || isWhitespace(line.charAt(i)))) {
            i++;
        }
        return i < end && line.charAt(i) == '<' && i > start ? i : -1;
    }

    /** {@code <sip:...>} at {@code open}; @return the index after {@code >}, or -1 */
    private static int bracketedUri(AddressImpl address, String line, int open, int end) throws Exception {
        SipUri uri = new SipUri();
        int i = sipUri(uri, line, open + 1, end, true);
        if (i < 0 || i >= end || line.charAt(i) != '>') {
            return -1;
        }
        address.setURI(uri);
        return i + 1;
    }

    /**
     * {@code sip:[user@]host[:port][;uri-params]} (URI parameters only inside brackets: outside them
     * they belong to the header, RFC 3261 §20). @return the index after the URI, or -1
     */
    private static int sipUri(SipUri uri, String line, int start, int end, boolean inBrackets) throws Exception {
        int i;
        if (line.startsWith("sip:", start)) {
            uri.setScheme("sip");
            i = start + 4;
        } else if (line.startsWith("sips:", start)) {
            uri.setScheme("sips");
            i = start + 5;
        } else {
            return -1;
        }
        // a plain user is token characters (user-unreserved ones and escapes are left to JAIN-SIP)
        int userEnd = token(line, i, end);
        if (userEnd < end && line.charAt(userEnd) == '@') {
            if (userEnd == i) {
                return -1;
            }
            uri.setUser(line.substring(i, userEnd));
            i = userEnd + 1;
        } else if (userEnd < end && line.charAt(userEnd) == ':' && line.indexOf('@', userEnd) >= 0
                && line.indexOf('@', userEnd) < end) {
            // user:password@ (or host:port followed by an @ somewhere later): JAIN-SIP
            return -1;
        }
        HostPort hostPort = new HostPort();
        i = hostPort(hostPort, line, i, end);
        if (i < 0) {
            return -1;
        }
        uri.setHostPort(hostPort);
        if (inBrackets) {
            i = parameters(line, i, end, (name, value, next) -> {
                uri.setUriParameter(genericParameter(name, value));
                return true;
            });
            if (i < 0) {
                return -1;
            }
        }
        if (i < end && line.charAt(i) == '?') {
            return -1;
        }
        return i;
    }

    /** Takes one {@code ;name[=value]} parameter ({@code value} null for a flag); false = leave the line to JAIN-SIP. */
    @FunctionalInterface
    private interface ParameterSink {
        boolean accept(String name, String value, int next) throws Exception;
    }

    /**
     * {@code ;name[=value]}s from start, token characters only.
     * @return the index after them, or -1 for a form left to JAIN-SIP (or refused by the sink)
     */
    private static int parameters(String line, int start, int end, ParameterSink sink) throws Exception {
        int i = start;
        while (i < end && line.charAt(i) == ';') {
            int nameEnd = token(line, i + 1, end);
            if (nameEnd == i + 1) {
                return -1;
            }
            String name = line.substring(i + 1, nameEnd);
            String value = null;
            i = nameEnd;
            if (i < end && line.charAt(i) == '=') {
                int valueEnd = token(line, i + 1, end);
                if (valueEnd == i + 1) {
                    return -1;
                }
                value = line.substring(i + 1, valueEnd);
                i = valueEnd;
            }
            if (!sink.accept(name, value, i)) {
                return -1;
            }
        }
        return i;
    }

    /** A URI or header parameter as JAIN-SIP's generic parameter parser builds it (a flag has value ""). */
    private static NameValue genericParameter(String name, String value) {
        return value == null ? new NameValue(name, "", true) : new NameValue(name, value, false);
    }

    /** A host name or IPv4 address, then {@code :port}; @return the index after them, or -1 */
    private static int hostPort(HostPort hostPort, String line, int start, int end) {
        int i = start;
        while (i < end && isHostChar(line.charAt(i))) {
            i++;
        }
        if (i == start || !isAlphaDigit(line.charAt(i - 1)) || !isAlphaDigit(line.charAt(start))) {
            return -1;
        }
        hostPort.setHost(new Host(line.substring(start, i)));
        if (i < end && line.charAt(i) == ':') {
            int portEnd = digits(line, i + 1, end, 5);
            if (portEnd < 0) {
                return -1;
            }
            int port = Integer.parseInt(line, i + 1, portEnd, 10);
            if (port > 65535) {
                return -1;
            }
            hostPort.setPort(port);
            i = portEnd;
        }
        if (i < end) {
            char c = line.charAt(i);
            if (c != ';' && c != '>' && c != ',' && c != ' ') {
                return -1;
            }
        }
        return i;
    }

    // ---------------------------------------------------------------------------------------------
    // Characters
    // ---------------------------------------------------------------------------------------------

    /** @return the index after 1..maxDigits digits at start, or -1 */
    private static int digits(String line, int start, int end, int maxDigits) {
        int i = start;
        while (i < end && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
            i++;
        }
        return i == start || i - start > maxDigits ? -1 : i;
    }

    /** @return the index after the token characters at start (start itself when there are none) */
    private static int token(String line, int start, int end) {
        int i = start;
        while (i < end && isTokenChar(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipWhitespace(String line, int start, int end) {
        int i = start;
        while (i < end && isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAlphaDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** RFC 3261 token characters, less {@code %} and the backquote (left to JAIN-SIP). */
    private static boolean isTokenChar(char c) {
        return isAlphaDigit(c) || c == '-' || c == '.' || c == '!' || c == '*' || c == '_' || c == '+'
                || c == '\'' || c == '~';
    }

    private static boolean isHostChar(char c) {
        return isAlphaDigit(c) || c == '-' || c == '.';
    }
}
