package io.sipflow.app.headers;

import java.util.Map;
import org.apache.camel.spi.HeadersMapFactory;

/**
 * Camel's header maps as {@link CaseInsensitiveHeaders}: named in
 * {@code META-INF/services/org/apache/camel/headers-map-factory}, which every CamelContext on
 * SipFlow's class path reads at start (Camel's own default is a case-insensitive {@code TreeMap}).
 */
public final class HashedHeadersMapFactory implements HeadersMapFactory {

    @Override
    public Map<String, Object> newMap() {
        return new CaseInsensitiveHeaders();
    }

    @Override
    public Map<String, Object> newMap(Map<String, Object> map) {
        return new CaseInsensitiveHeaders(map);
    }

    @Override
    public boolean isInstanceOf(Map<String, Object> map) {
        return map instanceof CaseInsensitiveHeaders;
    }

    @Override
    public boolean isCaseInsensitive() {
        return true;
    }
}
