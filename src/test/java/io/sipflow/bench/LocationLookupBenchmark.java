package io.sipflow.bench;

import io.sipflow.module.location.Binding;
import io.sipflow.module.location.ContactUpdate;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.location.MaxContactsPolicy;
import io.sipflow.module.location.RegistrationUpdate;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Location lookup and save from 1,000 to 1,000,000 bindings: the time must stay flat (hash index,
 * no scan). Run with {@code bench/jmh.sh LocationLookupBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class LocationLookupBenchmark {

    private static final String[] DOMAINS = {"tenant-a.example", "tenant-b.example", "tenant-c.example", "tenant-d.example"};

    @Param({"1000", "100000", "1000000"})
    public int bindings;

    private LocationStore store;
    private Map<String, Object> plainMap;
    private long saves;

    @Setup(Level.Trial)
    public void fill() {
        store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        long now = System.currentTimeMillis();
        for (int i = 0; i < bindings; i++) {
            store.apply(update(i, now, 1));
        }
        plainMap = new HashMap<>();
        for (int i = 0; i < bindings; i++) {
            plainMap.put(Integer.toString(200 + i / DOMAINS.length) + "@" + DOMAINS[i % DOMAINS.length], Integer.valueOf(i));
        }
    }

    static RegistrationUpdate update(int i, long now, long cseq) {
        String user = Integer.toString(200 + i / DOMAINS.length);
        String domain = DOMAINS[i % DOMAINS.length];
        return new RegistrationUpdate(user, domain, false,
                List.of(new ContactUpdate(i + 1L, "sip:" + user + "@10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
                        + (i & 255) + ":5060", 3600, 1f, null)),
                "sip:192.0.2." + (i & 255) + ":" + (5060 + (i & 1023)), null, "call-" + i, cseq, "Phone/1.0",
                "udp:127.0.0.1:5060", "sip:10.0.0.5:5060", now);
    }

    @Benchmark
    public List<Binding> lookupByAor() {
        int i = ThreadLocalRandom.current().nextInt(bindings);
        return store.lookup(Integer.toString(200 + i / DOMAINS.length), DOMAINS[i % DOMAINS.length]);
    }

    /**
     * The floor: a plain {@link HashMap} of as many AoR strings, read the same random way. If it grows
     * from 1k to 1M like the lookups do, the growth is the memory hierarchy (cache and TLB misses on a
     * random key), not the index.
     */
    @Benchmark
    public Object plainHashMapByAor() {
        int i = ThreadLocalRandom.current().nextInt(bindings);
        return plainMap.get(Integer.toString(200 + i / DOMAINS.length) + "@" + DOMAINS[i % DOMAINS.length]);
    }

    @Benchmark
    public Binding lookupByContactId() {
        return store.byContactId(ThreadLocalRandom.current().nextInt(bindings) + 1L);
    }

    @Benchmark
    public Object saveRefresh() {
        int i = ThreadLocalRandom.current().nextInt(bindings);
        return store.apply(update(i, System.currentTimeMillis(), 2 + saves++));
    }

    /** What the statistics route reads every {@code sipflow.stats.refresh-interval}: registered users and contacts per tenant. */
    @Benchmark
    public Map<String, long[]> countRegisteredPerTenant() {
        return store.countsByDomain();
    }
}
