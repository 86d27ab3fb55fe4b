package io.sipflow.app.headers;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.module.ModuleHeaders;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.impl.engine.DefaultHeadersMapFactory;
import org.apache.camel.spi.HeadersMapFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header traffic of one proxied REGISTER's exchange, on Camel's default header map (a
 * case-insensitive {@code TreeMap}) and on {@link CaseInsensitiveHeaders}: the request's 21
 * {@code CamelSip*} headers as {@code SipHeaderMapper} sets them, the registrar route's own (tenant,
 * set, PBX, refused), the final response's 7, and the reads of the route's predicates and beans
 * (each {@code filter} on {@code SipFlowRefused}, the {@code choice} on the method and status, the
 * beans' look-ups). Run with {@code bench/jmh.sh HeadersMapBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class HeadersMapBenchmark {

    private static final String[] REQUEST = {SipConstants.METHOD, SipConstants.REQUEST_URI,
        SipConstants.REQUEST_URI_USER, SipConstants.REQUEST_URI_HOST, SipConstants.REQUEST_URI_IS_LOCAL,
        SipConstants.FROM_URI, SipConstants.FROM_USER, SipConstants.FROM_DOMAIN, SipConstants.FROM_TAG,
        SipConstants.TO_URI, SipConstants.TO_USER, SipConstants.TO_DOMAIN, SipConstants.TO_TAG,
        SipConstants.CALL_ID, SipConstants.CSEQ, SipConstants.USER_AGENT, SipConstants.EXPIRES,
        SipConstants.SOURCE_IP, SipConstants.SOURCE_PORT, SipConstants.TRANSPORT, SipConstants.LOCAL_SOCKET};
    private static final String[] ROUTE = {ModuleHeaders.TENANT, ModuleHeaders.DISPATCHER_SET, ModuleHeaders.PBX,
        SipConstants.DESTINATION_URI};
    private static final String[] RESPONSE = {SipConstants.STATUS_CODE, SipConstants.REASON_PHRASE,
        SipConstants.OUTCOME, SipConstants.TO_TAG, SipConstants.RESPONSE_SOURCE_IP, SipConstants.RESPONSE_SOURCE_PORT,
        SipConstants.LOCAL_OVERLOAD};
    private static final String[] READS = {SipConstants.METHOD, SipConstants.REQUEST_URI_IS_LOCAL,
        SipConstants.REQUEST_URI_USER, SipConstants.METHOD, ModuleHeaders.REFUSED, SipConstants.TO_USER,
        SipConstants.TO_DOMAIN, ModuleHeaders.REFUSED, ModuleHeaders.TENANT, SipConstants.CALL_ID, ModuleHeaders.REFUSED,
        ModuleHeaders.TENANT, SipConstants.SOURCE_IP, SipConstants.SOURCE_PORT, ModuleHeaders.REFUSED,
        SipConstants.DESTINATION_URI, SipConstants.LOCAL_OVERLOAD, SipConstants.STATUS_CODE, ModuleHeaders.PBX,
        SipConstants.STATUS_CODE, ModuleHeaders.TENANT, SipConstants.TO_USER, SipConstants.CALL_ID, SipConstants.EXPIRES};

    @Param({"camel-tree", "hashed"})
    public String map;

    private HeadersMapFactory factory;

    @Setup
    public void setUp() {
        factory = "hashed".equals(map) ? new HashedHeadersMapFactory() : new DefaultHeadersMapFactory();
    }

    @Benchmark
    public int registerExchange() {
        Map<String, Object> headers = factory.newMap();
        for (String name : REQUEST) {
            headers.put(name, name);
        }
        for (String name : ROUTE) {
            headers.put(name, name);
        }
        headers.remove(ModuleHeaders.REFUSED);
        for (String name : RESPONSE) {
            headers.put(name, name);
        }
        int found = 0;
        for (String name : READS) {
            if (headers.get(name) != null) {
                found++;
            }
        }
        return found;
    }
}
