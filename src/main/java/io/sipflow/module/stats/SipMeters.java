package io.sipflow.module.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sipflow.component.sip.stack.OverloadGuard;
import io.sipflow.component.sip.stack.SipCounters;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Exports the SIP layer's counters as meters without touching the SIP path: each meter reads the
 * layer's {@link LongAdder} when scraped. Names follow OpenSIPS core/tm statistics:
 * {@code rcv_requests}, {@code fwd_requests}, {@code sent_replies{class="2xx"}},
 * {@code drop_requests} (sanity checks), {@code err_requests} (unparseable), {@code stray_replies},
 * {@code shed_requests}, {@code queue_drops} (stale datagrams dropped unread), and the timer {@code transaction_latency} (request received → final reply
 * sent); the load-shedding gauges {@code overloaded} (1 while new requests are shed),
 * {@code queue_delay_seconds} (oldest wait in the receive queue) and {@code inflight_requests}. The
 * SIP layer knows no tenants: these carry no tenant tag.
 */
public final class SipMeters {

    /** Held here: Micrometer keeps only a weak reference to the object a function meter reads. */
    private final Supplier<SipCounters> counters;
    private final Supplier<OverloadGuard> guard;

    private SipMeters(Supplier<SipCounters> counters, Supplier<OverloadGuard> guard) {
        this.counters = counters;
        this.guard = guard;
    }

    /**
     * Binds the meters; the suppliers may return null until the SIP stack has started (reads 0).
     * Keep the returned object referenced (the Camel registry holds it as {@code sipMeters}).
     */
    public static SipMeters bind(MeterRegistry registry, Supplier<SipCounters> counters, Supplier<OverloadGuard> guard) {
        SipMeters meters = new SipMeters(counters, guard);
        meters.register(registry);
        return meters;
    }

    private void register(MeterRegistry registry) {
        counter(registry, "rcv_requests", c -> c.receivedRequests);
        counter(registry, "fwd_requests", c -> c.forwardedRequests);
        counter(registry, "drop_requests", c -> c.rejectedRequests);
        counter(registry, "err_requests", c -> c.unparseableMessages);
        counter(registry, "stray_replies", c -> c.strayResponses);
        counter(registry, "answered_retransmissions", c -> c.answeredRetransmissions);
        counter(registry, "shed_requests", c -> c.shedRequests);
        counter(registry, "queue_drops", c -> c.staleDrops);
        gauge(registry, "overloaded", "1 while new requests are shed with 503 (load shedding)", g -> g.isShedding() ? 1 : 0);
        gauge(registry, "queue_delay_seconds", "standing wait in the SIP receive queue (minimum over 100 ms)",
                g -> g.queueDelayMillis() / 1000.0);
        gauge(registry, "admitted_share", "share of new requests admitted while the receive queue is congested",
                OverloadGuard::admitShare);
        gauge(registry, "inflight_requests", "requests received and not yet answered (INVITE: until it rings)",
                OverloadGuard::inFlight);
        for (int cls = 1; cls <= 6; cls++) {
            int i = cls;
            FunctionCounter.builder("sent_replies", this, m -> m.sum(c -> c.finalRepliesByClass[i]))
                    .tag("class", cls + "xx").description("final replies sent, by class").register(registry);
        }
    }

    /** Connects the SIP layer's latency hook to the {@code transaction_latency} timer (call once the stack runs). */
    public static void bindLatency(MeterRegistry registry, SipCounters counters) {
        // count, sum and max only: recording is a few atomic adds on the SIP thread (no percentile sketch)
        Timer timer = Timer.builder("transaction_latency").description("request received to final reply sent")
                .register(registry);
        counters.onTransactionLatency(nanos -> timer.record(nanos, TimeUnit.NANOSECONDS));
    }

    private void counter(MeterRegistry registry, String name, Function<SipCounters, LongAdder> field) {
        FunctionCounter.builder(name, this, m -> m.sum(field)).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<OverloadGuard> value) {
        Gauge.builder(name, this, m -> {
            OverloadGuard g = m.guard.get();
            return g == null ? 0 : value.applyAsDouble(g);
        }).description(description).register(registry);
    }

    private double sum(Function<SipCounters, LongAdder> field) {
        SipCounters c = counters.get();
        return c == null ? 0 : field.apply(c).sum();
    }
}
