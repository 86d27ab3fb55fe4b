package io.sipflow.app;

import io.sipflow.component.sip.SipComponent;
import io.sipflow.component.sip.stack.SipStackSettings;
import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcForwardingPersistence;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.forwarding.CamelSecondaryTransport;
import io.sipflow.module.forwarding.ForwardingEvents;
import io.sipflow.module.forwarding.ForwardingMeters;
import io.sipflow.module.forwarding.ForwardingPolicy;
import io.sipflow.module.forwarding.ForwardingService;
import io.sipflow.module.forwarding.ForwardingStateWriter;
import io.sipflow.module.forwarding.RegisterRequestFactory;
import io.sipflow.module.forwarding.SecondaryRefresh;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.tenant.TenantDirectory;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sip.SipFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the secondary registration module (seed 004) from {@code sipflow.forwarding.*}: its state
 * in MySQL, REGISTERs through {@code direct:secondary-register}, state changes as registration
 * events, gauges per tenant and state. It starts once the routes run (resuming stored
 * registrations may send REGISTERs at once); closing it writes its last state changes.
 */
final class ForwardingWiring {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardingWiring.class);

    private ForwardingWiring() {
    }

    static ForwardingService build(CamelContext context, Settings s, Database database, TenantDirectory directory,
            LocationStore store, EventPublisher events, MeterRegistry registry) throws Exception {
        JdbcForwardingPersistence persistence = new JdbcForwardingPersistence(database.dataSource());
        ForwardingStateWriter writer = new ForwardingStateWriter(persistence,
                s.duration("sipflow.forwarding.flush-interval", Duration.ofSeconds(1)));
        ForwardingPolicy policy = new ForwardingPolicy(s.duration("sipflow.forwarding.retry-min", Duration.ofSeconds(5)),
                s.duration("sipflow.forwarding.retry-max", Duration.ofMinutes(5)),
                s.duration("sipflow.forwarding.refresh-margin", Duration.ofSeconds(30)),
                s.duration("sipflow.forwarding.tick-interval", Duration.ofSeconds(1)),
                s.enumValue("sipflow.forwarding.refresh", SecondaryRefresh.class, SecondaryRefresh.EVERY_REGISTER));
        SipFactory sipFactory = SipFactory.getInstance();
        var messages = sipFactory.createMessageFactory();
        var headers = sipFactory.createHeaderFactory();
        var addresses = sipFactory.createAddressFactory();
        Supplier<RegisterRequestFactory> requests = SipFlowModules.memoize(() -> {
            SipStackSettings sip = context.getComponent("sip", SipComponent.class).getRuntime().settings();
            return new RegisterRequestFactory(messages, headers, addresses, sip.advertisedHost(), sip.advertisedPort());
        });
        ForwardingService forwarding = new ForwardingService(persistence,
                new CamelSecondaryTransport(context, "direct:secondary-register"), requests, directory, store, policy, writer);
        forwarding.addListener(new ForwardingEvents(events));
        ForwardingMeters meters = new ForwardingMeters(registry, forwarding);
        forwarding.addReloadListener(meters::register);
        store.addListener(forwarding);
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // routes are not running yet: wait for onCamelContextFullyStarted
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) throws Exception {
                forwarding.start();
                LOG.info("{}", forwarding.reload());
            }
        });
        return forwarding;
    }
}
