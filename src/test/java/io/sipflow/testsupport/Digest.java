package io.sipflow.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 2617 MD5 digest for the test PBX emulators and test UACs. */
public final class Digest {

    private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))");

    private Digest() {
    }

    public static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** response = MD5(MD5(user:realm:password):nonce:MD5(method:uri)) (no qop). */
    public static String response(String user, String realm, String password, String nonce, String method, String uri) {
        return md5(md5(user + ":" + realm + ":" + password) + ":" + nonce + ":" + md5(method + ":" + uri));
    }

    /** Parameters of a {@code Digest a="b", c=d} header value. */
    public static Map<String, String> params(String headerValue) {
        Map<String, String> result = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(headerValue);
        while (m.find()) {
            result.put(m.group(1).toLowerCase(), m.group(2) != null ? m.group(2) : m.group(3));
        }
        return result;
    }

    public static String authorization(String user, String realm, String password, String nonce, String method, String uri) {
        return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri
                + "\", response=\"" + response(user, realm, password, nonce, method, uri) + "\", algorithm=MD5";
    }
}
