package io.sipflow.app;

import io.sipflow.component.sip.SipComponent;
import io.sipflow.component.sip.stack.SipStackSettings;
import io.sipflow.module.acc.AccBean;
import io.sipflow.module.acc.DialogTracker;
import io.sipflow.module.db.Database;
import io.sipflow.module.db.EmbeddedMariaDb;
import io.sipflow.module.db.JdbcLocationPersistence;
import io.sipflow.module.db.JdbcTenantPersistence;
import io.sipflow.module.db.SchemaInstaller;
import io.sipflow.module.forwarding.ForwardingBean;
import io.sipflow.module.forwarding.ForwardingService;
import io.sipflow.module.location.LocationBean;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.location.LocationWriter;
import io.sipflow.module.location.MaxContactsPolicy;
import io.sipflow.module.registrar.ContactMode;
import io.sipflow.module.registrar.RegistrarBean;
import io.sipflow.module.registrar.RegistrarService;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.RegistrationEvents;
import io.sipflow.module.routing.RoutingBean;
import io.sipflow.module.stats.DialogMeters;
import io.sipflow.module.stats.ModuleCounters;
import io.sipflow.module.stats.RegistrationGauges;
import io.sipflow.module.stats.SipMeters;
import io.sipflow.module.stats.StatsSnapshots;
import io.sipflow.module.tenant.DispatcherBean;
import io.sipflow.module.tenant.TenantBean;
import io.sipflow.module.tenant.TenantDirectory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sip.SipFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the modules (database, tenants, dispatcher, location, registrar, forwarding, events,
 * statistics) from the {@code sipflow.*} properties and binds their route facades:
 * {@code bean:tenants}, {@code bean:dispatcher}, {@code bean:location}, {@code bean:registrar},
 * {@code bean:routing}, {@code bean:forwarding}, {@code bean:acc}, {@code bean:events} (the {@link EventPublisher}),
 * {@code bean:eventDelivery}, {@code bean:eventsMysql}, {@code bean:stats}; and for modules that add
 * meters: {@code meterRegistry}, {@code moduleCounters}, {@code dialogMeters}.
 */
public final class SipFlowModules implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SipFlowModules.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        EventsWiring events = new EventsWiring(context);
        ModuleCounters counters = new ModuleCounters(events.meterRegistry());
        Resources resources = new Resources();
        context.addService(resources, true, true);

        String url = s.string("sipflow.db.url", null);
        String user = s.string("sipflow.db.user", "root");
        String password = s.string("sipflow.db.password", "");
        boolean embedded = url == null;
        if (embedded) {
            Path dir = Path.of(s.string("sipflow.db.embedded-dir", "data/mariadb"));
            EmbeddedMariaDb db = EmbeddedMariaDb.start(s.integer("sipflow.db.embedded-port", 3307), dir.toAbsolutePath(), "sipflow");
            resources.embeddedDb = db;
            url = db.jdbcUrl();
            user = "root";
            password = "";
            LOG.info("No sipflow.db.url configured: using an embedded MariaDB ({}), data in {}", url, dir.toAbsolutePath());
        }
        Database database = Database.connect(url, user, password);
        resources.database = database;
        SchemaInstaller installer = new SchemaInstaller(database.dataSource());
        Set<String> created = installer.install();
        // demo tenants only into a fresh embedded database: a tenant the operator deleted stays deleted
        if (embedded && created.contains("domain") && s.bool("sipflow.db.demo-data", true)) {
            installer.applyDemoTenants();
        }

        // added after the database: stopped before it (services stop in reverse order)
        context.addService(events, true, true);
        EventPublisher publisher = events.start(context, s, database.dataSource());

        TenantDirectory directory = new TenantDirectory();
        TenantBean tenants = new TenantBean(directory, new JdbcTenantPersistence(database.dataSource()), counters,
                s.integer("sipflow.tenant.unknown-domain-code", 403));
        LOG.info("Tenants: {}", tenants.reload());
        Set<Integer> aliveCodes = Arrays.stream(s.string("sipflow.dispatcher.probe-alive-codes", "200").split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).map(Integer::valueOf).collect(Collectors.toSet());
        DispatcherBean dispatcher = new DispatcherBean(directory, s.integer("sipflow.dispatcher.failure-threshold", 2),
                s.integer("sipflow.dispatcher.success-threshold", 1), aliveCodes,
                s.integer("sipflow.dispatcher.no-pbx-retry-after", 10));

        LocationStore store = new LocationStore(s.integer("sipflow.location.max-contacts", 10),
                s.enumValue("sipflow.location.max-contacts-policy", MaxContactsPolicy.class, MaxContactsPolicy.EVICT_OLDEST));
        JdbcLocationPersistence locations = new JdbcLocationPersistence(database.dataSource());
        var stored = locations.loadActive(System.currentTimeMillis() / 1000);
        store.load(stored);
        LOG.info("Location: {} binding(s) loaded from the database", stored.size());
        LocationWriter.Mode mode = s.enumValue("sipflow.location.working-mode", LocationWriter.Mode.class,
                LocationWriter.Mode.WRITE_BACK);
        LocationWriter writer = new LocationWriter(locations, mode,
                s.duration("sipflow.location.flush-interval", Duration.ofSeconds(1)));
        resources.writer = writer;
        resources.store = store;
        store.deferExpiryOnlyRefreshWrites(mode == LocationWriter.Mode.WRITE_BACK
                && s.bool("sipflow.location.defer-refresh-writes", false));
        store.addListener(writer);
        store.addListener(new RegistrationEvents(publisher, s.bool("sipflow.events.binding-refreshed", true)));

        ContactMode contactMode = s.enumValue("sipflow.registrar.contact-mode", ContactMode.class, ContactMode.REWRITE);
        int defaultExpires = s.integer("sipflow.registrar.default-expires", 3600);
        int maxExpires = s.integer("sipflow.registrar.max-expires", 31_536_000);
        SipFactory sipFactory = SipFactory.getInstance();
        var addressFactory = sipFactory.createAddressFactory();
        var headerFactory = sipFactory.createHeaderFactory();
        Supplier<RegistrarService> registrar = memoize(() -> {
            SipStackSettings sip = context.getComponent("sip", SipComponent.class).getRuntime().settings();
            return new RegistrarService(store, contactMode, sip.advertisedHost(), sip.advertisedPort(), defaultExpires,
                    maxExpires, addressFactory, headerFactory);
        });

        ForwardingService forwarding = ForwardingWiring.build(context, s, database, directory, store, publisher,
                events.meterRegistry());
        resources.forwarding = forwarding;

        context.getRegistry().bind("moduleCounters", counters);
        context.getRegistry().bind("forwarding", new ForwardingBean(forwarding));
        context.getRegistry().bind("tenants", tenants);
        context.getRegistry().bind("dispatcher", dispatcher);
        context.getRegistry().bind("location", new LocationBean(store, writer));
        context.getRegistry().bind("registrar", new RegistrarBean(registrar, counters, publisher));
        context.getRegistry().bind("routing", new RoutingBean(directory, store, counters,
                s.bool("sipflow.routing.classify-by-port", false),
                s.bool("sipflow.routing.wildcard-lookup", false)));
        bindStatistics(context, s, events, store, publisher);
    }

    private static void bindStatistics(CamelContext context, Settings s, EventsWiring events, LocationStore store,
            EventPublisher publisher) throws Exception {
        var registry = events.meterRegistry();
        Supplier<SipComponent> sip = () -> context.hasComponent("sip") instanceof SipComponent c ? c : null;
        context.getRegistry().bind("sipMeters", SipMeters.bind(registry, () -> {
            SipComponent c = sip.get();
            return c == null || c.getRuntime() == null ? null : c.getRuntime().counters();
        }, () -> {
            SipComponent c = sip.get();
            return c == null || c.getRuntime() == null ? null : c.getRuntime().overloadGuard();
        }));
        context.addStartupListener(new org.apache.camel.StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // the SIP stack exists once the component has started
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                SipComponent c = sip.get();
                if (c != null && c.getRuntime() != null) {
                    SipMeters.bindLatency(registry, c.getRuntime().counters());
                }
            }
        });
        DialogMeters dialogMeters = new DialogMeters(registry);
        context.getRegistry().bind("dialogMeters", dialogMeters);
        // acc: CDRs of the calls crossing SipFlow (routes/acc.camel.yaml); open dialogs survive a restart
        DialogTracker dialogs = new DialogTracker(publisher, dialogMeters,
                s.duration("sipflow.acc.max-dialog-duration", Duration.ofHours(12)),
                s.duration("sipflow.acc.late-answer-window", Duration.ofSeconds(32)));
        Path dialogsFile = Path.of(s.string("sipflow.events.spool-dir", "data/spool"), "open-dialogs.json");
        int restored = dialogs.restore(dialogsFile);
        if (restored > 0) {
            LOG.info("Acc: {} open dialog(s) taken back from {}", restored, dialogsFile.toAbsolutePath());
        }
        context.addService(new DialogsSaver(dialogs, dialogsFile), true, true);
        context.getRegistry().bind("acc", new AccBean(dialogs));
        Duration interval = s.duration("sipflow.events.stats-interval", Duration.ofSeconds(60));
        context.getRegistry().bind("stats", new StatsSnapshots(registry, new RegistrationGauges(registry, store), publisher,
                EventsWiring.nodeName(s), interval.toMillis()));
    }

    static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private volatile T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        if (value == null) {
                            value = supplier.get();
                        }
                        v = value;
                    }
                }
                return v;
            }
        };
    }

    /**
     * When SipFlow stops (after the routes, so no BYE is missed): publishes the failures still held
     * for a late answer and saves the open dialogs.
     */
    private static final class DialogsSaver extends ServiceSupport {
        private final DialogTracker dialogs;
        private final Path file;

        DialogsSaver(DialogTracker dialogs, Path file) {
            this.dialogs = dialogs;
            this.file = file;
        }

        @Override
        protected void doStop() {
            int published = dialogs.publishHeldFailures();
            if (published > 0) {
                LOG.info("Acc: {} call(s) timed out and still waiting for a late answer accounted as not answered", published);
            }
            try {
                int saved = dialogs.save(file);
                if (saved > 0) {
                    LOG.info("Acc: {} open dialog(s) saved to {} for the next start", saved, file.toAbsolutePath());
                }
            } catch (java.io.IOException e) {
                LOG.error("Acc: open dialogs not saved to {}: their CDRs will be missing", file.toAbsolutePath(), e);
            }
        }
    }

    /** What the modules hold open, closed with the CamelContext: last writes flushed, then the database. */
    private static final class Resources extends ServiceSupport {
        volatile LocationWriter writer;
        volatile LocationStore store;
        volatile ForwardingService forwarding;
        volatile Database database;
        volatile EmbeddedMariaDb embeddedDb;

        @Override
        protected void doStop() {
            if (forwarding != null) {
                forwarding.close(); // its last state changes are written before the database closes
            }
            if (writer != null) {
                if (store != null) {
                    writer.write(store.storeBehind()); // the refreshes whose writes were left out
                }
                writer.close();
            }
            if (database != null) {
                database.close();
            }
            if (embeddedDb != null) {
                embeddedDb.close();
            }
        }
    }
}
