package io.sipflow.module.registrar;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.Refusals;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.RegistrationEvent;
import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationChanges;
import io.sipflow.module.stats.ModuleCounters;

import java.util.List;
import java.util.function.Supplier;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route facade of the registrar ({@code bean:registrar}): check the REGISTER, prepare it for the
 * PBX, and save the binding when — and only when — the PBX answered 2xx.
 */
public final class RegistrarBean {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrarBean.class);

    private final Supplier<RegistrarService> service;
    private final ModuleCounters counters;
    private final EventPublisher events;

    public RegistrarBean(Supplier<RegistrarService> service, ModuleCounters counters) {
        this(service, counters, EventPublisher.NONE);
    }

    public RegistrarBean(Supplier<RegistrarService> service, ModuleCounters counters, EventPublisher events) {
        this.service = service;
        this.counters = counters;
        this.events = events;
    }

    /** 400 for a REGISTER that must not reach the PBX (no To, malformed Contact, absurd Expires, bad "*"). */
    public void check(Exchange exchange) {
        String reason = service.get().invalidReason(request(exchange));
        if (reason != null) {
            counters.increment("rejected_regs", null);
            Refusals.refuse(exchange.getMessage(), 400, reason, reason);
        }
    }

    /**
     * Captures what will be saved on 2xx (the endpoint's source address included), enforces the
     * maximum contacts (503 when the policy refuses), and rewrites the Contacts / adds a Path.
     */
    public void prepare(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        ServerTransactionContext ctx = exchange.getProperty(SipConstants.PROPERTY_TRANSACTION, ServerTransactionContext.class);
        String tenant = m.getHeader(ModuleHeaders.TENANT, String.class);
        RegistrarService registrar = service.get();
        Request request = ctx.request();
        PendingRegistration pending = registrar.read(request, tenant, ctx.sourceIp(), ctx.sourcePort(), ctx.transport(),
                ctx.localSocket());
        List<Long> ids = pending.contacts().stream().filter(c -> c.expires() == null || c.expires() > 0)
                .map(PendingRegistration.RequestContact::contactId).toList();
        if (!ids.isEmpty() && registrar.store().wouldRefuse(pending.username(), tenant, ids)) {
            counters.increment("rejected_regs", tenant);
            Refusals.refuse(m, 503, "Too Many Contacts", "more than " + registrar.store().maxContactsPerAor()
                    + " contacts for " + pending.username() + "@" + tenant);
            return;
        }
        registrar.prepareForPbx(request, pending);
        exchange.setProperty(ModuleHeaders.PROPERTY_REGISTRATION, pending);
    }

    /** OpenSIPS {@code save()} in the reply route: stores the bindings of this REGISTER, restores the contacts. */
    public void save(Exchange exchange) {
        Message m = exchange.getMessage();
        PendingRegistration pending = exchange.getProperty(ModuleHeaders.PROPERTY_REGISTRATION, PendingRegistration.class);
        if (pending == null || !(m.getBody() instanceof Response ok)) {
            return;
        }
        String pbx = m.getHeader(ModuleHeaders.PBX, String.class);
        RegistrarService registrar = service.get();
        LocationChanges changes = registrar.save(pending, ok, pbx);
        registrar.restoreContacts(pending, ok);
        counters.increment("accepted_regs", pending.domain());
        for (Binding b : changes.added()) {
            LOG.info("Binding saved: {} -> {} received {} expires in {}s (PBX {})", b.aor(), b.contact(), b.received(),
                    b.expires() - System.currentTimeMillis() / 1000, pbx);
        }
        for (Binding b : changes.refreshed()) {
            LOG.debug("Binding refreshed: {} -> {}", b.aor(), b.contact());
        }
        for (Binding b : changes.removed()) {
            LOG.info("Binding removed: {} -> {}", b.aor(), b.contact());
        }
        if (changes.ignored() > 0) {
            LOG.info("REGISTER for {}@{} ignored for {} contact(s): CSeq {} not newer than the stored one",
                    pending.username(), pending.domain(), changes.ignored(), pending.cseq());
        }
    }

    /**
     * The PBX refused (401/403/...) or failed: nothing is stored; counted per tenant and emitted as a
     * {@code register_rejected} event. A 401/407 challenge is the normal first half of a digest
     * registration: neither counted nor emitted.
     */
    public void rejected(Exchange exchange) {
        Message m = exchange.getMessage();
        Integer status = m.getHeader(SipConstants.STATUS_CODE, Integer.class);
        if (status != null && (status == 401 || status == 407)) {
            return;
        }
        String tenant = m.getHeader(ModuleHeaders.TENANT, String.class);
        counters.increment("rejected_regs", tenant);
        PendingRegistration pending = exchange.getProperty(ModuleHeaders.PROPERTY_REGISTRATION, PendingRegistration.class);
        String user = pending != null ? pending.username() : m.getHeader(SipConstants.TO_USER, String.class);
        String callId = m.getHeader(SipConstants.CALL_ID, String.class);
        events.publish(RegistrationEvent.registerRejected(user, tenant, callId, m.getHeader(ModuleHeaders.PBX, String.class),
                status == null ? 0 : status, m.getHeader(SipConstants.REASON_PHRASE, String.class)));
    }

    private static Request request(Exchange exchange) {
        return exchange.getProperty(SipConstants.PROPERTY_REQUEST, Request.class);
    }
}
