package io.sipflow.component.sip.stack;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Checks on the raw bytes of a request that the JAIN-SIP parser is too lenient about (RFC 4475
 * §3.1.2): it forgives extra spaces in the request line, spaces inside {@code <addr-spec>},
 * repeated single-valued headers and bare IPv6 hosts, and a proxy must not forward any of those.
 * A failed check becomes a parse error: the stack answers 400 (or drops) and the message is counted.
 * It runs before every parse, so it reads the header section once, byte by byte, and builds no
 * strings for a request that passes (only the Request-URI's host is looked at as text).
 */
final class RawMessageScreen {

    /** The single-valued headers (RFC 3261 §7.3.1 and §20), long and compact names. */
    private static final String[][] SINGLE_VALUED = {
            {"call-id", "Call-ID"}, {"i", "Call-ID"},
            {"from", "From"}, {"f", "From"},
            {"to", "To"}, {"t", "To"},
            {"cseq", "CSeq"},
            {"max-forwards", "Max-Forwards"},
            {"content-length", "Content-Length"}, {"l", "Content-Length"}};
    /** Headers whose values are name-addr: no whitespace right inside {@code < >}. */
    private static final String[] NAME_ADDR = {"to", "t", "from", "f", "contact", "m", "route", "record-route"};

    private RawMessageScreen() {
    }

    /** @return why the request must be refused, or null when it passes */
    static String check(byte[] bytes) {
        if (bytes == null || bytes.length < 4) {
            return null;
        }
        int end = headerSectionEnd(bytes);
        if (end >= 4 && bytes[0] == 'S' && bytes[1] == 'I' && bytes[2] == 'P' && bytes[3] == '/') {
            return null; // responses: the parser and the transaction layer decide
        }
        int newline = indexOf(bytes, 0, end, (byte) '\n');
        String refusal = checkRequestLine(bytes, 0, contentEnd(bytes, 0, newline, end));
        if (refusal != null) {
            return refusal;
        }
        String[] seen = new String[SINGLE_VALUED.length];
        int pos = newline < 0 ? end : newline + 1;
        while (pos < end) {
            newline = indexOf(bytes, pos, end, (byte) '\n');
            int lineEnd = contentEnd(bytes, pos, newline, end);
            if (lineEnd == pos) {
                break; // an empty line ends the headers
            }
            refusal = checkHeaderLine(bytes, pos, lineEnd, seen);
            if (refusal != null) {
                return refusal;
            }
            pos = newline < 0 ? end : newline + 1;
        }
        return null;
    }

    /** RFC 3261 §25.1: Method SP Request-URI SP SIP-Version, single spaces, no brackets in the URI. */
    private static String checkRequestLine(byte[] b, int from, int to) {
        int firstSpace = indexOf(b, from, to, (byte) ' ');
        int secondSpace = firstSpace < 0 ? -1 : indexOf(b, firstSpace + 1, to, (byte) ' ');
        if (firstSpace <= from || secondSpace <= firstSpace + 1) {
            return "malformed request line";
        }
        for (int i = from; i < firstSpace; i++) {
            if (b[i] < '!' || b[i] > '~') {
                return "malformed request line";
            }
        }
        for (int i = firstSpace + 1; i < secondSpace; i++) {
            if (b[i] == '\t' || b[i] == '<' || b[i] == '>') {
                return "malformed request line";
            }
        }
        if (!isSipVersion(b, secondSpace + 1, to)) {
            return "malformed request line";
        }
        String requestUri = new String(b, firstSpace + 1, secondSpace - firstSpace - 1, StandardCharsets.ISO_8859_1);
        return hasBareIpv6Host(requestUri) ? "IPv6 reference without brackets in the Request-URI" : null;
    }

    /** {@code SIP/} digits {@code .} digits, nothing else. */
    private static boolean isSipVersion(byte[] b, int from, int to) {
        if (to - from < 7 || b[from] != 'S' || b[from + 1] != 'I' || b[from + 2] != 'P' || b[from + 3] != '/') {
            return false;
        }
        int i = from + 4;
        int digits = 0;
        while (i < to && isDigit(b[i])) {
            i++;
            digits++;
        }
        if (digits == 0 || i >= to || b[i] != '.') {
            return false;
        }
        i++;
        int fraction = i;
        while (i < to && isDigit(b[i])) {
            i++;
        }
        return i == to && i > fraction;
    }

    private static String checkHeaderLine(byte[] b, int from, int to, String[] seen) {
        if (b[from] == ' ' || b[from] == '\t') {
            return null; // folded continuation of the previous header
        }
        int colon = indexOf(b, from, to, (byte) ':');
        if (colon <= from) {
            return null; // the parser decides about lines without a colon
        }
        int nameStart = from;
        int nameEnd = colon;
        while (nameStart < nameEnd && (b[nameStart] & 0xff) <= ' ') {
            nameStart++;
        }
        while (nameEnd > nameStart && (b[nameEnd - 1] & 0xff) <= ' ') {
            nameEnd--;
        }
        for (int k = 0; k < SINGLE_VALUED.length; k++) {
            if (nameIs(b, nameStart, nameEnd, SINGLE_VALUED[k][0])) {
                String canonical = SINGLE_VALUED[k][1];
                for (String earlier : seen) {
                    if (canonical.equals(earlier)) {
                        return "more than one " + canonical + " header";
                    }
                }
                seen[k] = canonical;
                break;
            }
        }
        for (String name : NAME_ADDR) {
            if (nameIs(b, nameStart, nameEnd, name)) {
                return hasSpaceInsideAngles(b, colon + 1, to)
                        ? "whitespace inside <addr-spec> of " + name : null;
            }
        }
        return null;
    }

    private static boolean hasSpaceInsideAngles(byte[] b, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if ((b[i] == '<' && isBlank(b[i + 1])) || (isBlank(b[i]) && b[i + 1] == '>')) {
                return true;
            }
        }
        return false;
    }

    /** ASCII case-insensitive equality of b[from, to) with a lower-case name. */
    private static boolean nameIs(byte[] b, int from, int to, String lowerName) {
        if (to - from != lowerName.length()) {
            return false;
        }
        for (int i = 0; i < lowerName.length(); i++) {
            int c = b[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** End of a line's content: before the newline and a CR right before it, or the section end. */
    private static int contentEnd(byte[] b, int lineStart, int newline, int sectionEnd) {
        if (newline < 0) {
            return sectionEnd;
        }
        return newline > lineStart && b[newline - 1] == '\r' ? newline - 1 : newline;
    }

    private static int indexOf(byte[] b, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (b[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    private static int headerSectionEnd(byte[] bytes) {
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i;
            }
        }
        return bytes.length;
    }

    private static boolean hasBareIpv6Host(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("sip:") && !lower.startsWith("sips:")) {
            return false;
        }
        String rest = uri.substring(uri.indexOf(':') + 1);
        int at = rest.indexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int end = rest.length();
        for (char c : new char[] {';', '?'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String hostport = rest.substring(0, end);
        return !hostport.startsWith("[") && hostport.indexOf(':') != hostport.lastIndexOf(':');
    }
}
