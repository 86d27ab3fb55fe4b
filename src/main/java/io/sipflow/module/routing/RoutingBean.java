package io.sipflow.module.routing;

import io.sipflow.component.sip.BranchTarget;
import io.sipflow.component.sip.SipConstants;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.Refusals;
import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationStore;
import io.sipflow.module.registrar.RegistrarService;
import io.sipflow.module.stats.ModuleCounters;
import io.sipflow.module.tenant.TenantDirectory;
import io.sipflow.module.tenant.TenantDomain;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sip.address.URI;
import javax.sip.message.Request;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenant-aware routing ({@code bean:routing}), seeds 000/001: a request from a PBX is mapped
 * source IP -> dispatcher set -> tenant domain -> binding, never by a wildcard first match; a request
 * from an endpoint goes to its own tenant's PBX set; anything else is refused (no open relay).
 */
public final class RoutingBean {

    private static final Logger LOG = LoggerFactory.getLogger(RoutingBean.class);

    private final TenantDirectory directory;
    private final LocationStore store;
    private final ModuleCounters counters;
    private final boolean classifyByPort;
    private final boolean wildcardLookup;

    public RoutingBean(TenantDirectory directory, LocationStore store, ModuleCounters counters, boolean classifyByPort,
            boolean wildcardLookup) {
        this.directory = directory;
        this.store = store;
        this.counters = counters;
        this.classifyByPort = classifyByPort;
        this.wildcardLookup = wildcardLookup;
    }

    /**
     * {@code ds_is_from_list}: sets {@code SipFlowSourceKind} to {@code pbx} (the source is a
     * dispatcher destination of a tenant), {@code secondary} (a tenant's secondary registrar), {@code endpoint} (the source is where a binding of the From AoR's
     * tenant registered from) or {@code unknown}.
     */
    public void classifySource(Exchange exchange) {
        Message m = exchange.getMessage();
        String ip = m.getHeader(SipConstants.SOURCE_IP, String.class);
        int port = m.getHeader(SipConstants.SOURCE_PORT, 0, Integer.class);
        Set<Integer> sets = directory.setsForSource(ip, classifyByPort ? port : 0);
        if (!sets.isEmpty() && sets.stream().anyMatch(set -> !directory.domainsOfSet(set).isEmpty())) {
            m.setHeader(ModuleHeaders.SOURCE_KIND, "pbx");
            m.setHeader(ModuleHeaders.DISPATCHER_SET, sets.iterator().next());
            return;
        }
        if (!directory.secondaryTenantsForSource(ip).isEmpty()) {
            // a tenant's secondary registrar (e.g. Genesys) calling a user it learnt from SipFlow's forwarding
            m.setHeader(ModuleHeaders.SOURCE_KIND, "secondary");
            return;
        }
        String fromUser = m.getHeader(SipConstants.FROM_USER, String.class);
        String fromDomain = m.getHeader(SipConstants.FROM_DOMAIN, String.class);
        TenantDomain tenant = directory.tenant(fromDomain);
        if (tenant != null && registeredFrom(store.lookup(fromUser, tenant.domain()), ip, port)) {
            m.setHeader(ModuleHeaders.SOURCE_KIND, "endpoint");
            m.setHeader(ModuleHeaders.TENANT, tenant.domain());
            m.setHeader(ModuleHeaders.DISPATCHER_SET, tenant.setId());
            return;
        }
        m.setHeader(ModuleHeaders.SOURCE_KIND, "unknown");
    }

    /**
     * {@code lookup("location", "uri", "sip:$rU@<tenant domain>")} for a request from a PBX: the R-URI's
     * binding parameter names the binding exactly (Contact-rewrite mode), else the R-URI user is
     * looked up in the tenant's domain. Sets R-URI and {@code $du} (the binding's received address), or
     * refuses: 404 no binding, 404 ambiguous tenant (fail closed).
     */
    public void lookup(Exchange exchange) {
        Message m = exchange.getMessage();
        String ip = m.getHeader(SipConstants.SOURCE_IP, String.class);
        int port = m.getHeader(SipConstants.SOURCE_PORT, 0, Integer.class);
        Set<String> tenants = new LinkedHashSet<>();
        for (int set : directory.setsForSource(ip, classifyByPort ? port : 0)) {
            directory.domainsOfSet(set).forEach(d -> tenants.add(d.domain()));
        }
        if (tenants.isEmpty()) {
            tenants.addAll(directory.secondaryTenantsForSource(ip));
        }
        Request request = exchange.getProperty(SipConstants.PROPERTY_REQUEST, Request.class);
        URI ruri = request.getRequestURI();
        String user = m.getHeader(SipConstants.REQUEST_URI_USER, String.class);
        long bindingId = RegistrarService.bindingId(ruri);
        Binding target = null;
        if (bindingId >= 0) {
            Binding b = store.byContactId(bindingId);
            // the parameter is only trusted within the tenants this PBX serves
            if (b != null && tenants.contains(b.domain())) {
                target = b;
            }
        } else if (tenants.size() == 1) {
            List<Binding> bindings = store.lookup(user, tenants.iterator().next());
            target = bindings.isEmpty() ? null : bindings.get(0);
            if (bindings.size() > 1) {
                // several devices of the AoR: fork to all (sip:relay's forkMode decides parallel or serial)
                exchange.setProperty(SipConstants.PROPERTY_BRANCH_TARGETS, bindings.stream()
                        .map(b -> new BranchTarget(b.contact(), b.received() != null ? b.received() : b.contact(), b.q()))
                        .toList());
            }
        } else if (tenants.size() > 1 && wildcardLookup && (target = onlyMatch(user, tenants)) != null) {
            LOG.info("Lookup of {} by opt-in wildcard over {} tenants: only {} has it", user, tenants.size(), target.domain());
        } else if (tenants.size() > 1) {
            counters.increment("lookup_ambiguous", null);
            LOG.warn("Lookup of {} refused: source {} serves {} tenants {} and the request does not say which",
                    user, ip, tenants.size(), tenants);
            Refusals.refuse(m, 404, "Not Found", "ambiguous tenant for source " + ip);
            m.setHeader(SipConstants.EXTRA_HEADERS, "Reason: SIP;cause=404;text=\"ambiguous tenant\"");
            return;
        }
        String tenant = target != null ? target.domain() : tenants.isEmpty() ? null : tenants.iterator().next();
        if (target == null) {
            if (tenant != null) {
                m.setHeader(ModuleHeaders.TENANT, tenant);
            }
            counters.increment("lookup_miss", tenant);
            Refusals.refuse(m, 404, "Not Found", "no binding for " + user + "@" + tenant);
            return;
        }
        counters.increment("lookup_hit", tenant);
        m.setHeader(ModuleHeaders.TENANT, target.domain());
        m.setHeader(ModuleHeaders.BINDING, target.contactId());
        m.setHeader(SipConstants.REQUEST_URI, target.contact());
        m.setHeader(SipConstants.DESTINATION_URI, target.received() != null ? target.received() : target.contact());
    }

    /**
     * {@code fix_nated_contact()}: the Contact of a request from an endpoint, or of an endpoint's 2xx,
     * is made its source address, so in-dialog requests toward it reach it through its NAT.
     */
    public void fixNatedContact(Exchange exchange) {
        Message m = exchange.getMessage();
        javax.sip.message.Message sip;
        String ip;
        int port;
        if (m.getBody() instanceof javax.sip.message.Response response) {
            sip = response;
            ip = m.getHeader(SipConstants.RESPONSE_SOURCE_IP, String.class);
            port = m.getHeader(SipConstants.RESPONSE_SOURCE_PORT, 0, Integer.class);
        } else {
            sip = exchange.getProperty(SipConstants.PROPERTY_REQUEST, Request.class);
            ip = m.getHeader(SipConstants.SOURCE_IP, String.class);
            port = m.getHeader(SipConstants.SOURCE_PORT, 0, Integer.class);
        }
        if (sip == null || ip == null || port <= 0) {
            return;
        }
        javax.sip.header.ContactHeader contact = (javax.sip.header.ContactHeader) sip.getHeader(javax.sip.header.ContactHeader.NAME);
        if (contact != null && contact.getAddress().getURI() instanceof javax.sip.address.SipURI uri) {
            try {
                uri.setHost(ip);
                uri.setPort(port);
            } catch (java.text.ParseException e) {
                LOG.debug("Contact not rewritten: {}", e.getMessage());
            }
        }
    }

    /** The opt-in wildcard ({@code user@*} over the source's tenants): the binding only when exactly one tenant has the user. */
    private Binding onlyMatch(String user, Set<String> tenants) {
        Binding found = null;
        for (String tenant : tenants) {
            List<Binding> bindings = store.lookup(user, tenant);
            if (!bindings.isEmpty()) {
                if (found != null) {
                    return null; // more than one tenant matches: still refused
                }
                found = bindings.get(0);
            }
        }
        return found;
    }

    private static boolean registeredFrom(List<Binding> bindings, String ip, int port) {
        for (Binding b : bindings) {
            String received = b.received();
            String source = "sip:" + ip + ":" + port;
            if (received != null && (received.equals(source) || received.startsWith(source + ";"))) {
                return true;
            }
        }
        return false;
    }
}
