package io.sipflow.module.forwarding;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Computes the digest {@code Authorization} value answering a {@link DigestChallenge} (RFC 2617,
 * RFC 7616: MD5, SHA-256 and their {@code -sess} variants; qop {@code auth} or none).
 */
public final class DigestAnswer {

    private DigestAnswer() {
    }

    public static boolean supports(String algorithm) {
        return switch (algorithm.toUpperCase(Locale.ROOT)) {
            case "MD5", "MD5-SESS", "SHA-256", "SHA-256-SESS" -> true;
            default -> false;
        };
    }

    /** The {@code response} parameter. */
    public static String response(DigestChallenge c, String username, String password, String method, String uri,
            long nonceCount, String cnonce) {
        String alg = c.algorithm().toUpperCase(Locale.ROOT);
        String hashName = alg.startsWith("SHA-256") ? "SHA-256" : "MD5";
        String ha1 = hash(hashName, username + ":" + c.realm() + ":" + password);
        if (alg.endsWith("-SESS")) {
            ha1 = hash(hashName, ha1 + ":" + c.nonce() + ":" + cnonce);
        }
        String ha2 = hash(hashName, method + ":" + uri);
        String qop = c.chosenQop();
        return qop == null
                ? hash(hashName, ha1 + ":" + c.nonce() + ":" + ha2)
                : hash(hashName, ha1 + ":" + c.nonce() + ":" + nc(nonceCount) + ":" + cnonce + ":" + qop + ":" + ha2);
    }

    /** The whole header value: {@code Digest username="..", realm="..", ...}. */
    public static String authorization(DigestChallenge c, String username, String password, String method, String uri,
            long nonceCount, String cnonce) {
        String qop = c.chosenQop();
        StringBuilder sb = new StringBuilder("Digest username=\"").append(username)
                .append("\", realm=\"").append(c.realm())
                .append("\", nonce=\"").append(c.nonce())
                .append("\", uri=\"").append(uri)
                .append("\", response=\"").append(response(c, username, password, method, uri, nonceCount, cnonce))
                .append("\", algorithm=").append(c.algorithm());
        if (qop != null) {
            sb.append(", qop=").append(qop).append(", nc=").append(nc(nonceCount)).append(", cnonce=\"").append(cnonce).append('"');
        }
        if (c.opaque() != null) {
            sb.append(", opaque=\"").append(c.opaque()).append('"');
        }
        return sb.toString();
    }

    private static String nc(long count) {
        return String.format("%08x", count);
    }

    private static String hash(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }
}
