package io.sipflow.module.tenant;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.Refusals;
import io.sipflow.module.stats.ModuleCounters;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route facade of the tenant module ({@code bean:tenants}): which tenant a request belongs to, and
 * reloading the directory from the database.
 */
public final class TenantBean {

    private static final Logger LOG = LoggerFactory.getLogger(TenantBean.class);

    private final TenantDirectory directory;
    private final TenantPersistence persistence;
    private final ModuleCounters counters;
    private final int unknownDomainCode;

    public TenantBean(TenantDirectory directory, TenantPersistence persistence, ModuleCounters counters,
            int unknownDomainCode) {
        this.directory = directory;
        this.persistence = persistence;
        this.counters = counters;
        this.unknownDomainCode = unknownDomainCode;
    }

    /**
     * REGISTER: the tenant is the AoR's domain (To), else the R-URI domain. Sets
     * {@code SipFlowTenant} and {@code SipFlowDispatcherSet}, or refuses (403, configurable 404).
     */
    public void classifyRegister(Exchange exchange) {
        Message m = exchange.getMessage();
        String toDomain = m.getHeader(SipConstants.TO_DOMAIN, String.class);
        TenantDomain tenant = directory.tenant(toDomain);
        if (tenant == null && !Boolean.TRUE.equals(m.getHeader(SipConstants.REQUEST_URI_IS_LOCAL, Boolean.class))) {
            tenant = directory.tenant(m.getHeader(SipConstants.REQUEST_URI_HOST, String.class));
        }
        if (tenant == null) {
            counters.increment("unknown_domain_regs", null);
            Refusals.refuse(m, unknownDomainCode, unknownDomainCode == 404 ? "Not Found" : "Forbidden",
                    "unknown domain " + printable(toDomain));
            return;
        }
        m.setHeader(ModuleHeaders.TENANT, tenant.domain());
        m.setHeader(ModuleHeaders.DISPATCHER_SET, tenant.setId());
    }

    /** Reloads domains and dispatcher sets from the database (timer and management command). */
    public synchronized String reload() {
        try {
            var domains = persistence.loadDomains();
            var dispatchers = persistence.loadDispatchers();
            int before = directory.tenantCount();
            directory.replace(domains, dispatchers);
            if (before != domains.size()) {
                LOG.info("Tenants reloaded: {} domain(s), {} dispatcher destination(s)", domains.size(), dispatchers.size());
            }
            return "reloaded " + domains.size() + " domain(s), " + dispatchers.size() + " destination(s)";
        } catch (Exception e) {
            LOG.warn("Tenant reload failed, keeping the directory in memory: {}", e.getMessage());
            return "reload failed: " + e.getMessage();
        }
    }

    public TenantDirectory directory() {
        return directory;
    }

    /** Printable ASCII only: nothing from the wire reaches a log verbatim. */
    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
