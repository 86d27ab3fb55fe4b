package io.sipflow.component.sip.stack;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks on the raw bytes of a request that the JAIN-SIP parser is too lenient about (RFC 4475
 * §3.1.2): it forgives extra spaces in the request line, spaces inside {@code <addr-spec>},
 * repeated single-valued headers and bare IPv6 hosts, and a proxy must not forward any of those.
 * A failed check becomes a parse error: the stack answers 400 (or drops) and the message is counted.
 */
final class RawMessageScreen {

    /** RFC 3261 §25.1: Method SP Request-URI SP SIP-Version CRLF, single spaces, no brackets. */
    private static final Pattern REQUEST_LINE = Pattern.compile("[!-~]+ [^ \\t<>]+ SIP/[0-9]+\\.[0-9]+");
    private static final Map<String, String> SINGLE_VALUED = Map.of(
            "call-id", "Call-ID", "i", "Call-ID",
            "from", "From", "f", "From",
            "to", "To", "t", "To",
            "cseq", "CSeq",
            "max-forwards", "Max-Forwards",
            "content-length", "Content-Length", "l", "Content-Length");
    private static final Pattern NAME_ADDR_HEADER = Pattern.compile("(?i)to|t|from|f|contact|m|route|record-route");
    private static final Pattern SPACE_IN_ANGLES = Pattern.compile("<[ \\t]|[ \\t]>");

    private RawMessageScreen() {
    }

    /** @return why the request must be refused, or null when it passes */
    static String check(byte[] bytes) {
        if (bytes == null || bytes.length < 4) {
            return null;
        }
        String text = new String(bytes, 0, headerSectionEnd(bytes), StandardCharsets.ISO_8859_1);
        if (text.startsWith("SIP/")) {
            return null; // responses: the parser and the transaction layer decide
        }
        String[] lines = text.split("\r?\n");
        String requestLine = lines[0];
        if (!REQUEST_LINE.matcher(requestLine).matches()) {
            return "malformed request line";
        }
        String requestUri = requestLine.substring(requestLine.indexOf(' ') + 1, requestLine.lastIndexOf(' '));
        if (hasBareIpv6Host(requestUri)) {
            return "IPv6 reference without brackets in the Request-URI";
        }
        Map<String, Integer> seen = new HashMap<>();
        String header = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                continue; // folded continuation of the previous header
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue; // the parser decides about lines without a colon
            }
            header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String single = SINGLE_VALUED.get(header);
            if (single != null && seen.merge(single, 1, Integer::sum) > 1) {
                return "more than one " + single + " header";
            }
            if (NAME_ADDR_HEADER.matcher(header).matches() && SPACE_IN_ANGLES.matcher(line.substring(colon + 1)).find()) {
                return "whitespace inside <addr-spec> of " + header;
            }
        }
        return null;
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
