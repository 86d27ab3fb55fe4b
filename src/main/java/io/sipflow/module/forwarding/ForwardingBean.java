package io.sipflow.module.forwarding;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.registrar.PendingRegistration;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * Route facade of the forwarding module ({@code bean:forwarding}): the {@code forward} step of the
 * REGISTER flow, the reload, and the management view.
 */
public final class ForwardingBean {

    private final ForwardingService service;

    public ForwardingBean(ForwardingService service) {
        this.service = service;
    }

    /**
     * After the PBX's 2xx and the save: hands the AoR to the forwarding module, which registers,
     * refreshes or de-registers it at the tenant's secondary registrar. Returns at once; does
     * nothing for a REGISTER the PBX did not accept.
     */
    public void forward(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(SipConstants.STATUS_CODE, Integer.class);
        PendingRegistration pending = exchange.getProperty(ModuleHeaders.PROPERTY_REGISTRATION, PendingRegistration.class);
        if (pending == null || status == null || status < 200 || status >= 300 || pending.isQuery()) {
            return;
        }
        service.endpointChanged(pending.username(), pending.domain());
    }

    public String reload() throws SQLException {
        return service.reload();
    }

    /** Secondary registrations (optionally of one tenant / one AoR), like {@code uac_reg_dump}. */
    public List<SecondaryRegistrationRow> dump(String domain, String aor) {
        return service.dump(domain, aor);
    }

    /** Per tenant, AoRs in each state. */
    public Map<String, Map<ForwardingState, Integer>> summary() {
        return service.countsByTenantAndState();
    }
}
