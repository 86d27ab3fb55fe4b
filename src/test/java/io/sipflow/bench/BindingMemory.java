package io.sipflow.bench;

import io.sipflow.module.location.LocationStore;
import io.sipflow.module.location.MaxContactsPolicy;

/**
 * Heap cost of the location index: fills a store with N bindings and prints bytes per binding.
 * {@code bench/jmh.sh --memory 1000000} runs it in a fresh JVM.
 */
public final class BindingMemory {

    private BindingMemory() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long before = used();
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            store.apply(LocationLookupBenchmark.update(i, now, 1));
        }
        long after = used();
        System.out.printf("%d bindings (%d AoRs): %.1f MiB of heap, %d bytes per binding%n", store.bindingCount(),
                store.aorCount(), (after - before) / 1048576.0, (after - before) / Math.max(1, n));
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
