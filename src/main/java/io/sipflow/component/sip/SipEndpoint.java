package io.sipflow.component.sip;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.util.TimeUtils;

/**
 * {@code sip:<kind>[?options]}. Consumers: {@code sip:initial}, {@code sip:in-dialog},
 * {@code sip:late-answer}. Producers: {@code sip:relay}, {@code sip:reply}, {@code sip:request}.
 * Options are validated when the endpoint is created, so a typo in a route file fails startup
 * naming the URI.
 */
public class SipEndpoint extends DefaultEndpoint {

    private final SipEndpointKind kind;
    private boolean recordRoute;
    private String onProvisional;
    private String timeout;
    private int code;
    private String reason;
    private String headers;
    private String method;
    private String forkMode = "parallel";

    public SipEndpoint(String uri, SipComponent component, SipEndpointKind kind) {
        super(uri, component);
        this.kind = kind;
    }

    void validate() {
        if (kind == SipEndpointKind.REPLY && code != 0 && (code < 100 || code > 699)) {
            throw new IllegalArgumentException(getEndpointUri() + ": code must be 100..699");
        }
        if (kind == SipEndpointKind.REQUEST && (method == null || method.isBlank())) {
            throw new IllegalArgumentException(getEndpointUri() + ": sip:request needs method=...");
        }
        if (timeout != null) {
            timeoutDuration();
        }
        if (!"parallel".equalsIgnoreCase(forkMode) && !"serial".equalsIgnoreCase(forkMode)) {
            throw new IllegalArgumentException(getEndpointUri() + ": forkMode must be parallel or serial");
        }
        extraHeaders();
    }

    @Override
    public SipComponent getComponent() {
        return (SipComponent) super.getComponent();
    }

    public SipEndpointKind kind() {
        return kind;
    }

    @Override
    public Producer createProducer() {
        return switch (kind) {
            case RELAY -> new SipRelayProducer(this);
            case REPLY -> new SipReplyProducer(this);
            case REQUEST -> new SipRequestProducer(this);
            default -> throw new IllegalArgumentException(getEndpointUri() + " is a consumer: use it in from:, not to:");
        };
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (!kind.isConsumer()) {
            throw new IllegalArgumentException(getEndpointUri() + " is a producer: use it in to:, not from:");
        }
        DefaultConsumer consumer = kind == SipEndpointKind.LATE_ANSWER ? new SipLateAnswerConsumer(this, processor)
                : new SipConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    Duration timeoutDuration() {
        if (timeout == null || timeout.isBlank()) {
            return null;
        }
        try {
            return Duration.ofMillis(TimeUtils.toMilliSeconds(timeout.trim()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(getEndpointUri() + ": invalid timeout '" + timeout + "'");
        }
    }

    /** The {@code headers} option: {@code Name: value} entries separated by {@code |}. */
    Map<String, String> extraHeaders() {
        return parseHeaderLines(headers, "\\|", getEndpointUri());
    }

    static Map<String, String> parseHeaderLines(String text, String separator, String where) {
        Map<String, String> result = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return result;
        }
        for (String entry : text.split(separator)) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(where + ": header '" + entry.trim() + "' is not 'Name: value'");
            }
            result.put(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim());
        }
        return result;
    }

    public boolean isRecordRoute() {
        return recordRoute;
    }

    /** sip:relay: insert Record-Route with ;lr on dialog-creating requests. */
    public void setRecordRoute(boolean recordRoute) {
        this.recordRoute = recordRoute;
    }

    public String getOnProvisional() {
        return onProvisional;
    }

    /** sip:relay: endpoint URI that receives a copy of the exchange for each 101-199 response. */
    public void setOnProvisional(String onProvisional) {
        this.onProvisional = onProvisional;
    }

    public String getTimeout() {
        return timeout;
    }

    /** sip:relay / sip:request: final-response timeout for this step (default sipflow.sip.fr-timeout). */
    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public int getCode() {
        return code;
    }

    /** sip:reply: status code (header CamelSipReplyCode overrides). */
    public void setCode(int code) {
        this.code = code;
    }

    public String getReason() {
        return reason;
    }

    /** sip:reply: reason phrase (header CamelSipReplyReason overrides). */
    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getHeaders() {
        return headers;
    }

    /** sip:reply / sip:request: extra headers, {@code Name: value} entries separated by {@code |}. */
    public void setHeaders(String headers) {
        this.headers = headers;
    }

    public String getForkMode() {
        return forkMode;
    }

    /** sip:relay with several branch targets: {@code parallel} (default) or {@code serial} (by q). */
    public void setForkMode(String forkMode) {
        this.forkMode = forkMode;
    }

    public String getMethod() {
        return method;
    }

    /** sip:request: method of the request to originate. */
    public void setMethod(String method) {
        this.method = method;
    }
}
