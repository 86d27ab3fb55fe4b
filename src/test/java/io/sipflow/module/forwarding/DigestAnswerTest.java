package io.sipflow.module.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The digest answers against the published test vectors of RFC 2617 §3.5 and RFC 7616 §3.9.1. */
class DigestAnswerTest {

    @Test
    void rfc2617Md5WithQopAuth() {
        DigestChallenge c = new DigestChallenge("testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                "5ccc069c403ebaf9f0171e9517f40e41", "MD5", "auth,auth-int", false, false);
        assertThat(DigestAnswer.response(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b"))
                .isEqualTo("6629fae49393a05397450978507c4ef1");
    }

    @Test
    void rfc7616Md5AndSha256() {
        String nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        String cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        DigestChallenge md5 = new DigestChallenge("http-auth@example.org", nonce, null, "MD5", "auth, auth-int", false, false);
        DigestChallenge sha = new DigestChallenge("http-auth@example.org", nonce, null, "SHA-256", "auth, auth-int", false, false);
        assertThat(DigestAnswer.response(md5, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1, cnonce))
                .isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
        assertThat(DigestAnswer.response(sha, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1, cnonce))
                .isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    @Test
    void withoutQopTheRfc2069FormIsUsedAndTheHeaderCarriesNoNonceCount() {
        DigestChallenge c = new DigestChallenge("asterisk", "abc", null, "MD5", null, false, false);
        String header = DigestAnswer.authorization(c, "201", "pw", "REGISTER", "sip:tenant-a.example", 1, "x");
        assertThat(header).startsWith("Digest username=\"201\", realm=\"asterisk\", nonce=\"abc\"")
                .doesNotContain("nc=").doesNotContain("cnonce").contains("algorithm=MD5");
    }

    @Test
    void retryDelaysDoubleUpToTheCap() {
        ForwardingPolicy p = new ForwardingPolicy(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(60),
                java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(1), SecondaryRefresh.EVERY_REGISTER);
        assertThat(new long[] {p.retryDelayMs(1), p.retryDelayMs(2), p.retryDelayMs(3), p.retryDelayMs(4), p.retryDelayMs(5),
                p.retryDelayMs(50)}).containsExactly(5_000, 10_000, 20_000, 40_000, 60_000, 60_000);
        // refresh 30 s before a 3600 s expiry, at half of a 20 s one
        assertThat(p.refreshAtMs(0, 3600)).isEqualTo(3_570_000);
        assertThat(p.refreshAtMs(0, 20)).isEqualTo(10_000);
    }

    @Test
    void hostOfSipUris() {
        assertThat(ForwardingService.hostOf("sip:192.168.210.81")).isEqualTo("192.168.210.81");
        assertThat(ForwardingService.hostOf("sip:Genesys.Example:5060;transport=tcp")).isEqualTo("genesys.example");
        assertThat(ForwardingService.hostOf("sip:1002@10.0.0.9:5080")).isEqualTo("10.0.0.9");
        assertThat(ForwardingService.hostOf("sip:[2001:db8::1]:5060")).isEqualTo("2001:db8::1");
    }
}
