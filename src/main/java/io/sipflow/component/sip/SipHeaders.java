package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.ProxyCore;

import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sip.message.Message;

/** Adds operator-given extra headers ({@code headers} option, {@code CamelSipExtraHeaders}) to messages. */
final class SipHeaders {

    private SipHeaders() {
    }

    static void add(Message message, Map<String, String> headers, ProxyCore core) throws ParseException {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            message.addHeader(core.runtime().headerFactory().createHeader(e.getKey(), e.getValue()));
        }
    }

    /** Accepts a Map of name to value or a String of {@code Name: value} lines. */
    static Map<String, String> fromHeader(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, String> result = new LinkedHashMap<>();
            map.forEach((k, v) -> result.put(String.valueOf(k), String.valueOf(v)));
            return result;
        }
        return SipEndpoint.parseHeaderLines(value.toString(), "\r?\n", SipConstants.EXTRA_HEADERS);
    }
}
