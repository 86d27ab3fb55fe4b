package io.sipflow.module.forwarding;

import io.sipflow.module.ModuleThreads;
import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationChanges;
import io.sipflow.module.location.LocationListener;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.tenant.DispatcherTarget;
import io.sipflow.module.tenant.TenantDirectory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.MinExpiresHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kamailio-style secondary registration (seed 004), done as a well-behaved UA: once the tenant's
 * Asterisk accepted a user, SipFlow registers the user at the tenant's secondary registrar too,
 * answers its digest challenges, keeps it refreshed, removes it when the endpoint's bindings are
 * gone, and retries failures with a capped backoff. One state machine per AoR, all on one thread
 * ("sipflow-forwarding"): callers only hand it work, so the endpoint's own REGISTER is never delayed.
 */
public final class ForwardingService implements LocationListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardingService.class);
    private static final int MAX_AUTH_ANSWERS = 3;
    private static final int MAX_INTERVAL_RETRIES = 2;

    private final ForwardingPersistence persistence;
    private final SecondaryTransport transport;
    private final Supplier<RegisterRequestFactory> requests;
    private final TenantDirectory tenants;
    private final LocationStore store;
    private final ForwardingPolicy policy;
    private final ForwardingStateWriter writer;
    private final List<ForwardingListener> listeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<Set<String>>> reloadListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService thread;
    /** AoR -> state machine; touched only on {@link #thread}. */
    private final Map<String, SecondaryRegistration> registrations = new HashMap<>();
    private volatile ForwardingDirectory directory = ForwardingDirectory.empty();
    /** Counts per tenant and state, republished by the forwarding thread for metrics and the management view. */
    private volatile Map<String, Map<ForwardingState, Integer>> counts = Map.of();

    public ForwardingService(ForwardingPersistence persistence, SecondaryTransport transport,
            Supplier<RegisterRequestFactory> requests, TenantDirectory tenants, LocationStore store, ForwardingPolicy policy,
            ForwardingStateWriter writer) {
        this.persistence = persistence;
        this.transport = transport;
        this.requests = requests;
        this.tenants = tenants;
        this.store = store;
        this.policy = policy;
        this.writer = writer;
        this.thread = ModuleThreads.single("sipflow-forwarding");
    }

    public void addListener(ForwardingListener listener) {
        listeners.add(listener);
    }

    /** Told the forwarded tenant domains after each reload (e.g. to register their meters). */
    public void addReloadListener(java.util.function.Consumer<Set<String>> listener) {
        reloadListeners.add(listener);
    }

    /** Loads configuration and stored state; then resumes every AoR (refresh, retry or de-register as due). */
    public void start() throws SQLException {
        reload();
        List<SecondaryRegistrationRow> rows = persistence.loadRegistrations();
        thread.execute(() -> {
            for (SecondaryRegistrationRow row : rows) {
                SecondaryRegistration reg = SecondaryRegistration.resume(row);
                reg.wanted = !store.lookup(reg.username, reg.domain).isEmpty();
                if (reg.state == ForwardingState.REGISTERED) {
                    reg.refreshAt = Math.max(System.currentTimeMillis(), reg.secondaryExpiresAt - policy.refreshMargin().toMillis());
                }
                registrations.put(reg.aor(), reg);
            }
            if (!rows.isEmpty()) {
                LOG.info("Forwarding: {} secondary registration(s) resumed from the database", rows.size());
            }
            tick();
        });
        long tickMs = Math.max(10, policy.tick().toMillis());
        thread.scheduleWithFixedDelay(this::tick, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    /** Re-reads {@code secondary_registrar} and {@code secondary_user}; their addresses become known sources. */
    public String reload() throws SQLException {
        ForwardingDirectory fresh = new ForwardingDirectory(persistence.loadRegistrars(), persistence.loadUsers());
        directory = fresh;
        tenants.replaceSecondarySources(sources(fresh));
        Set<String> domains = new java.util.TreeSet<>();
        fresh.registrars().forEach(r -> domains.add(r.domain()));
        reloadListeners.forEach(l -> l.accept(domains));
        return "forwarding: " + fresh.size() + " secondary registrar(s)";
    }

    /**
     * The {@code forward} step: the endpoint {@code user@domain} was just saved (or removed) after
     * its PBX's 2xx; bring its secondary registration in line. Returns at once.
     */
    public void endpointChanged(String user, String domain) {
        if (user == null || domain == null || directory.enabledFor(domain) == null) {
            return;
        }
        String tenant = domain.toLowerCase(java.util.Locale.ROOT); // AoR keys: domain case-insensitive, as the location store
        onForwardingThread(() -> onEndpointChanged(user, tenant, true));
    }

    /** Bindings that expired: AoRs left without any binding are de-registered at the secondary. */
    @Override
    public void onChanges(LocationChanges changes) {
        if (changes.expired().isEmpty()) {
            return;
        }
        Set<String> aors = new HashSet<>();
        List<Binding> expired = changes.expired();
        onForwardingThread(() -> {
            for (Binding b : expired) {
                if (aors.add(b.aor()) && registrations.containsKey(b.aor())) {
                    onEndpointChanged(b.username(), b.domain(), false);
                }
            }
        });
    }

    /** Per tenant, how many AoRs are in each state (for metrics and the management view). */
    public Map<String, Map<ForwardingState, Integer>> countsByTenantAndState() {
        return counts;
    }

    /** Rows of every AoR (optionally one tenant / one AoR), from the forwarding thread. */
    public List<SecondaryRegistrationRow> dump(String domain, String aor) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                long now = System.currentTimeMillis();
                return registrations.values().stream()
                        .filter(r -> domain == null || domain.isBlank() || r.domain.equalsIgnoreCase(domain))
                        .filter(r -> aor == null || aor.isBlank() || r.aor().equalsIgnoreCase(aor))
                        .map(r -> r.row(now)).sorted(Comparator.comparing(SecondaryRegistrationRow::aor)).toList();
            }, thread).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("forwarding state unavailable: " + e.getMessage(), e);
        }
    }

    /** Stops the state machines, then writes their last state changes. */
    @Override
    public void close() {
        ModuleThreads.stop(thread, 2);
        writer.close();
    }

    // ---- the state machine, on the forwarding thread only ----

    private void onEndpointChanged(String user, String domain, boolean endpointRegistered) {
        String aor = user + "@" + domain;
        boolean bound = !store.lookup(user, domain).isEmpty();
        SecondaryRegistration reg = registrations.get(aor);
        if (reg == null) {
            if (!bound) {
                return;
            }
            reg = new SecondaryRegistration(domain, user);
            reg.callId = UUID.randomUUID() + "@sipflow";
            reg.fromTag = Long.toHexString(ThreadLocalRandom.current().nextLong());
            registrations.put(aor, reg);
        }
        reg.wanted = bound;
        // WHEN_DUE: reconcile still registers one that is not registered (first time, failed, resumed)
        // and refreshes one past its refresh time; only the early refresh is left out
        reg.refreshRequested = bound && endpointRegistered && policy.mirrorsEveryEndpointRefresh();
        reconcile(reg, System.currentTimeMillis());
    }

    private void tick() {
        try {
            long now = System.currentTimeMillis();
            Map<String, Map<ForwardingState, Integer>> fresh = new TreeMap<>();
            for (SecondaryRegistration reg : registrations.values()) {
                if (!reg.inFlight && due(reg, now)) {
                    reg.wanted = !store.lookup(reg.username, reg.domain).isEmpty();
                    reconcile(reg, now);
                }
                fresh.computeIfAbsent(reg.domain, k -> new TreeMap<>()).merge(reg.state, 1, Integer::sum);
            }
            counts = fresh;
        } catch (RuntimeException e) {
            LOG.error("Forwarding timer failed", e);
        }
    }

    private static boolean due(SecondaryRegistration reg, long now) {
        return switch (reg.state) {
            case FAILED -> now >= reg.nextAttemptAt;
            case REGISTERED -> now >= reg.refreshAt;
            case UNREGISTERED -> false;
            default -> true; // resumed mid-transaction: its answer is lost, start again
        };
    }

    private void reconcile(SecondaryRegistration reg, long now) {
        if (reg.inFlight) {
            return; // the answer in flight calls reconcile again
        }
        SecondaryRegistrar registrar = directory.enabledFor(reg.domain);
        if (registrar == null) {
            return;
        }
        boolean backingOff = reg.state == ForwardingState.FAILED && now < reg.nextAttemptAt;
        if (reg.wanted) {
            boolean needed = reg.refreshRequested || reg.state != ForwardingState.REGISTERED || now >= reg.refreshAt;
            if (needed && !backingOff) {
                int expires = wantedExpires(reg, registrar, now);
                if (expires > 0) {
                    startAttempt(reg, registrar, expires, now);
                }
            }
        } else if (reg.heldBySecondary(now) && reg.state != ForwardingState.UNREGISTERED) {
            if (!backingOff) {
                startAttempt(reg, registrar, 0, now);
            }
        } else if (reg.state != ForwardingState.UNREGISTERED) {
            reg.secondaryExpiresAt = 0;
            transition(reg, ForwardingState.UNREGISTERED, now);
        }
    }

    /** The expiry to ask for: the tenant's fixed value, else what remains of the endpoint's binding. */
    private int wantedExpires(SecondaryRegistration reg, SecondaryRegistrar registrar, long now) {
        int expires;
        if (registrar.expires() != null) {
            expires = registrar.expires();
        } else {
            long latest = 0;
            for (Binding b : store.lookup(reg.username, reg.domain)) {
                latest = Math.max(latest, b.expires());
            }
            expires = (int) Math.max(0, latest - now / 1000);
        }
        return Math.max(expires, reg.minExpires);
    }

    private void startAttempt(SecondaryRegistration reg, SecondaryRegistrar registrar, int expires, long now) {
        reg.refreshRequested = false;
        reg.authAnswers = 0;
        reg.intervalRetries = 0;
        send(reg, registrar, expires, now);
    }

    private void send(SecondaryRegistration reg, SecondaryRegistrar registrar, int expires, long now) {
        String destination = destination(registrar, reg);
        if (destination == null) {
            fail(reg, 503, "no secondary registrar available in set " + registrar.setId(), now);
            return;
        }
        reg.secondaryUsername = directory.secondaryUsername(reg.username, reg.domain);
        reg.registrar = destination;
        reg.cseq++;
        reg.sentExpires = expires;
        reg.inFlight = true;
        String[] credentials = reg.challenge == null ? null : directory.credentials(reg, registrar);
        DigestChallenge answer = credentials == null ? null : reg.challenge;
        if (answer != null) {
            reg.nonceCount++;
        }
        ForwardingState next = expires == 0 ? ForwardingState.UNREGISTERING
                : reg.heldBySecondary(now) ? ForwardingState.REFRESHING : ForwardingState.REGISTERING;
        transition(reg, next, now);
        Request request;
        try {
            request = requests.get().register(reg, secondaryDomain(registrar, destination), expires, answer, credentials,
                    Long.toHexString(ThreadLocalRandom.current().nextLong()));
        } catch (Exception e) {
            reg.inFlight = false;
            fail(reg, 500, "REGISTER not built: " + e.getMessage(), now);
            return;
        }
        transport.send(request, destination, reply -> onForwardingThread(() -> onReply(reg, answer != null, reply)));
    }

    /** Runs on the forwarding thread; once forwarding is stopping (SipFlow shuts down) there is nothing left to do. */
    private void onForwardingThread(Runnable work) {
        try {
            thread.execute(work);
        } catch (RejectedExecutionException stopping) {
            LOG.debug("Forwarding stopped: work dropped");
        }
    }

    private void onReply(SecondaryRegistration reg, boolean authenticated, SecondaryReply reply) {
        long now = System.currentTimeMillis();
        reg.inFlight = false;
        reg.lastCode = reply.statusCode();
        reg.lastReason = reply.reason();
        int code = reply.statusCode();
        SecondaryRegistrar registrar = directory.enabledFor(reg.domain);
        if (code >= 200 && code < 300) {
            accepted(reg, reply.response(), now);
        } else if ((code == 401 || code == 407) && registrar != null && reply.response() != null) {
            challenged(reg, registrar, authenticated, reply.response(), now);
            return;
        } else if (code == 423 && registrar != null && reg.sentExpires > 0 && reply.response() != null
                && reg.intervalRetries < MAX_INTERVAL_RETRIES) {
            MinExpiresHeader min = (MinExpiresHeader) reply.response().getHeader(MinExpiresHeader.NAME);
            if (min != null && min.getExpires() > reg.sentExpires) {
                reg.minExpires = min.getExpires();
                reg.intervalRetries++;
                LOG.info("Forwarding {}: secondary wants at least {}s (423), asking again", reg.aor(), reg.minExpires);
                send(reg, registrar, reg.minExpires, now);
                return;
            }
            fail(reg, code, reply.reason(), now);
        } else {
            fail(reg, code, reply.reason(), now);
        }
        reconcile(reg, now);
    }

    private void accepted(SecondaryRegistration reg, Response ok, long now) {
        reg.attempts = 0;
        reg.nextAttemptAt = 0;
        if (reg.sentExpires == 0) {
            reg.secondaryExpiresAt = 0;
            transition(reg, ForwardingState.UNREGISTERED, now);
            LOG.info("Forwarding {}: de-registered at {}", reg.aor(), reg.registrar);
            return;
        }
        int granted = grantedExpires(ok, reg.sentExpires);
        if (granted <= 0) {
            reg.secondaryExpiresAt = 0;
            fail(reg, ok == null ? 200 : ok.getStatusCode(), "2xx without our contact", now);
            return;
        }
        boolean fresh = reg.state == ForwardingState.REGISTERING;
        reg.secondaryExpiresAt = now + granted * 1000L;
        reg.refreshAt = policy.refreshAtMs(now, granted);
        transition(reg, ForwardingState.REGISTERED, now);
        if (fresh) {
            LOG.info("Forwarding {}: registered at {} as {} for {}s", reg.aor(), reg.registrar, reg.secondaryUsername, granted);
        }
    }

    private void challenged(SecondaryRegistration reg, SecondaryRegistrar registrar, boolean authenticated, Response response,
            long now) {
        DigestChallenge challenge = DigestChallenge.of(response);
        if (challenge == null) {
            fail(reg, response.getStatusCode(), "challenge without a digest SipFlow can answer", now);
        } else if (directory.credentials(reg, registrar) == null) {
            fail(reg, response.getStatusCode(), "challenged but no password configured", now);
        } else if (authenticated && !challenge.stale() && reg.authAnswers > 0) {
            // our answer to a fresh challenge was refused: the credentials are wrong, retrying now would loop
            reg.challenge = null;
            fail(reg, response.getStatusCode(), "credentials refused", now);
        } else if (reg.authAnswers >= MAX_AUTH_ANSWERS) {
            fail(reg, response.getStatusCode(), "too many challenges", now);
        } else {
            reg.challenge = challenge;
            reg.nonceCount = 0;
            reg.authAnswers++;
            send(reg, registrar, reg.sentExpires, now);
            return;
        }
        reconcile(reg, now);
    }

    private void fail(SecondaryRegistration reg, int code, String reason, long now) {
        reg.attempts++;
        reg.lastCode = code;
        reg.lastReason = reason;
        long delay = policy.retryDelayMs(reg.attempts);
        reg.nextAttemptAt = now + delay;
        if (!reg.wanted && !reg.heldBySecondary(now)) {
            reg.secondaryExpiresAt = 0;
            transition(reg, ForwardingState.UNREGISTERED, now);
            return;
        }
        LOG.warn("Forwarding {}: {} {} from {}; retry in {} ms (attempt {})", reg.aor(), code, reason, reg.registrar,
                delay, reg.attempts);
        transition(reg, ForwardingState.FAILED, now);
    }

    private void transition(SecondaryRegistration reg, ForwardingState next, long now) {
        ForwardingState previous = reg.state;
        reg.state = next;
        SecondaryRegistrationRow row = reg.row(now);
        writer.save(row);
        if (previous != next) {
            for (ForwardingListener l : listeners) {
                try {
                    l.onStateChange(row, previous);
                } catch (RuntimeException e) {
                    LOG.warn("Forwarding listener failed: {}", e.toString());
                }
            }
        }
    }

    /** The expiry the secondary granted our contact: its Contact's expires, else Expires, else what was asked. */
    private int grantedExpires(Response ok, int asked) {
        if (ok == null) {
            return asked;
        }
        String ours = "@" + requests.get().contactHostPort();
        var it = ok.getHeaders(ContactHeader.NAME);
        boolean anyContact = false;
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            anyContact = true;
            if (c.getAddress() != null && c.getAddress().getURI().toString().contains(ours) && c.getExpires() >= 0) {
                return c.getExpires();
            }
        }
        ExpiresHeader expires = (ExpiresHeader) ok.getHeader(ExpiresHeader.NAME);
        if (expires != null) {
            return expires.getExpires();
        }
        return anyContact ? 0 : asked; // contacts listed but not ours: the secondary did not keep it
    }

    private String destination(SecondaryRegistrar registrar, SecondaryRegistration reg) {
        if (registrar.registrarUri() != null && !registrar.registrarUri().isBlank()) {
            return registrar.registrarUri().trim();
        }
        List<DispatcherTarget> set = tenants.set(registrar.setId());
        List<DispatcherTarget> up = set.stream().filter(DispatcherTarget::isUp).toList();
        if (up.isEmpty()) {
            return null;
        }
        // the same box for an AoR while it is up: refreshes and de-registrations reach the registrar that holds it
        for (DispatcherTarget t : up) {
            if (t.uri().equals(reg.registrar)) {
                return t.uri();
            }
        }
        return up.get(Math.floorMod(reg.aor().hashCode(), up.size())).uri();
    }

    private static String secondaryDomain(SecondaryRegistrar registrar, String destination) {
        if (registrar.secondaryDomain() != null && !registrar.secondaryDomain().isBlank()) {
            return registrar.secondaryDomain().trim();
        }
        return hostOf(destination);
    }

    /** Addresses the secondaries send from: classified as their tenants' (like the PBXs). */
    private Map<String, Set<String>> sources(ForwardingDirectory fresh) {
        Map<String, Set<String>> byHost = new HashMap<>();
        for (SecondaryRegistrar r : fresh.registrars()) {
            if (!r.enabled()) {
                continue;
            }
            List<String> hosts = new ArrayList<>();
            if (r.registrarUri() != null && !r.registrarUri().isBlank()) {
                hosts.add(hostOf(r.registrarUri()));
            }
            if (r.setId() > 0) {
                tenants.set(r.setId()).forEach(t -> hosts.add(t.host()));
            }
            for (String h : hosts) {
                byHost.computeIfAbsent(h, k -> new HashSet<>()).add(r.domain());
                String ip = resolved(h);
                if (ip != null && !ip.equals(h)) {
                    byHost.computeIfAbsent(ip, k -> new HashSet<>()).add(r.domain());
                }
            }
        }
        return byHost;
    }

    private static String resolved(String host) {
        try {
            return java.net.InetAddress.getByName(host).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            LOG.warn("Forwarding: secondary registrar host {} does not resolve: its requests will not be recognised", host);
            return null;
        }
    }

    /** Host of {@code sip:host[:port][;params]} (also {@code sip:user@host}). */
    static String hostOf(String uri) {
        String s = uri.trim();
        int colon = s.indexOf(':');
        s = colon >= 0 && s.substring(0, colon).matches("(?i)sips?") ? s.substring(colon + 1) : s;
        int at = s.indexOf('@');
        if (at >= 0) {
            s = s.substring(at + 1);
        }
        int end = s.length();
        for (char stop : new char[] {';', '?', '>'}) {
            int i = s.indexOf(stop);
            if (i >= 0) {
                end = Math.min(end, i);
            }
        }
        s = s.substring(0, end);
        if (s.startsWith("[")) {
            return s.substring(1, s.indexOf(']')).toLowerCase(java.util.Locale.ROOT);
        }
        int port = s.lastIndexOf(':');
        return (port >= 0 ? s.substring(0, port) : s).toLowerCase(java.util.Locale.ROOT);
    }
}
