package io.sipflow.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Talks to a running SipFlow's management HTTP API. */
final class ManagementClient {

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    ManagementClient(String base) {
        this.base = base;
    }

    String bindings(String domain, String aor) throws Exception {
        return get("/admin/bindings", domain, aor);
    }

    String forwarding(String domain, String aor) throws Exception {
        return get("/admin/forwarding", domain, aor);
    }

    private String get(String path, String domain, String aor) throws Exception {
        StringBuilder q = new StringBuilder();
        if (domain != null) {
            q.append("domain=").append(URLEncoder.encode(domain, StandardCharsets.UTF_8));
        }
        if (aor != null) {
            q.append(q.length() > 0 ? "&" : "").append("aor=").append(URLEncoder.encode(aor, StandardCharsets.UTF_8));
        }
        return send(HttpRequest.newBuilder(URI.create(base + path + (q.length() > 0 ? "?" + q : ""))).GET());
    }

    String reload() throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/admin/reload")).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private String send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("SipFlow at " + base + " answered HTTP " + response.statusCode());
        }
        return response.body();
    }
}
