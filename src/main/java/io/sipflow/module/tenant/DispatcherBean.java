package io.sipflow.module.tenant;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.module.ModuleHeaders;
import io.sipflow.module.Refusals;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route facade of the dispatcher ({@code bean:dispatcher}): picks the PBX of a set (hash on
 * Call-ID), moves to the next one when a branch times out, is unreachable or answers 503 (serial
 * failover), and keeps the destinations' health from relays and OPTIONS probes. A timeout while
 * SipFlow itself was overloaded ({@code CamelSipLocalOverload}) never marks a PBX down.
 */
public final class DispatcherBean {

    private static final Logger LOG = LoggerFactory.getLogger(DispatcherBean.class);

    private final TenantDirectory directory;
    private final int failureThreshold;
    private final int successThreshold;
    private final Set<Integer> aliveCodes;
    /** Retry-After seconds of the "no PBX up" 503 (0: none). */
    private final int noPbxRetryAfter;

    public DispatcherBean(TenantDirectory directory, int failureThreshold, int successThreshold, Set<Integer> aliveCodes,
            int noPbxRetryAfter) {
        if (noPbxRetryAfter < 0) {
            throw new IllegalArgumentException("Invalid sipflow.dispatcher.no-pbx-retry-after '" + noPbxRetryAfter
                    + "': expected seconds >= 0 (0 = no Retry-After)");
        }
        this.directory = directory;
        this.failureThreshold = failureThreshold;
        this.successThreshold = successThreshold;
        this.aliveCodes = aliveCodes;
        this.noPbxRetryAfter = noPbxRetryAfter;
    }

    /** {@code ds_select_dst}: the first destination for this Call-ID into {@code $du}, the rest kept for failover. */
    public void select(Exchange exchange) {
        Message m = exchange.getMessage();
        Integer setId = m.getHeader(ModuleHeaders.DISPATCHER_SET, Integer.class);
        List<DispatcherTarget> candidates = setId == null ? List.of()
                : DispatcherSelector.candidates(directory.set(setId), m.getHeader(SipConstants.CALL_ID, String.class));
        if (candidates.isEmpty()) {
            Refusals.refuse(m, 503, "Service Unavailable", "no PBX up in set " + setId);
            if (noPbxRetryAfter > 0) {
                // RFC 3261 §21.5.4: a whole set down is not a reason for every phone to retry at once
                m.setHeader(SipConstants.EXTRA_HEADERS, "Retry-After: " + noPbxRetryAfter);
            }
            return;
        }
        exchange.setProperty(ModuleHeaders.PROPERTY_CANDIDATES, new ArrayDeque<>(candidates));
        next(exchange);
    }

    /**
     * After a branch: a timeout, a transport error or a 503 count against the PBX; the next PBX of the
     * set is tried while one is left ({@code SipFlowRetry}). Any other answer ends the loop.
     */
    public void afterRelay(Exchange exchange) {
        Message m = exchange.getMessage();
        Integer status = m.getHeader(SipConstants.STATUS_CODE, Integer.class);
        String outcome = m.getHeader(SipConstants.OUTCOME, String.class);
        DispatcherTarget current = exchange.getProperty(ModuleHeaders.PROPERTY_PBX_TARGET, DispatcherTarget.class);
        boolean failed = "timeout".equals(outcome) || "unreachable".equals(outcome) || (status != null && status == 503);
        exchange.setProperty(ModuleHeaders.PROPERTY_RETRY, false);
        if (current == null) {
            return;
        }
        if (!failed) {
            current.recordSuccess(successThreshold);
            return;
        }
        if (isLocalOverloadTimeout(m)) {
            // SipFlow itself was overloaded while waiting: the PBX's answer may sit in our own queue
            LOG.debug("PBX {} timed out during local overload: not counted against it", current.uri());
        } else if (current.recordFailure(failureThreshold)) {
            LOG.warn("PBX {} of set {} marked down after {} ({})", current.uri(), current.setId(), status, outcome);
        }
        ServerTransactionContext ctx = exchange.getProperty(SipConstants.PROPERTY_TRANSACTION, ServerTransactionContext.class);
        @SuppressWarnings("unchecked")
        Deque<DispatcherTarget> rest = exchange.getProperty(ModuleHeaders.PROPERTY_CANDIDATES, Deque.class);
        if (rest == null || rest.isEmpty() || (ctx != null && ctx.isCancelled())) {
            return;
        }
        LOG.info("PBX {} failed ({} {}), failing over to {}", current.uri(), status, outcome, rest.peekFirst().uri());
        next(exchange);
    }

    private void next(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Deque<DispatcherTarget> rest = exchange.getProperty(ModuleHeaders.PROPERTY_CANDIDATES, Deque.class);
        DispatcherTarget target = rest.pollFirst();
        exchange.setProperty(ModuleHeaders.PROPERTY_PBX_TARGET, target);
        exchange.getMessage().setHeader(SipConstants.DESTINATION_URI, target.uri());
        exchange.getMessage().setHeader(ModuleHeaders.PBX, target.uri());
        exchange.setProperty(ModuleHeaders.PROPERTY_RETRY, true);
    }

    /** A timeout while SipFlow's own receive queue was congested ({@code CamelSipLocalOverload}). */
    private static boolean isLocalOverloadTimeout(Message m) {
        return "timeout".equals(m.getHeader(SipConstants.OUTCOME, String.class))
                && Boolean.TRUE.equals(m.getHeader(SipConstants.LOCAL_OVERLOAD, Boolean.class));
    }

    /** Destinations due for an OPTIONS probe (OpenSIPS probe_mode). */
    public List<String> probeTargets() {
        return directory.allTargets().stream().filter(DispatcherTarget::wantsProbe).map(DispatcherTarget::uri)
                .distinct().toList();
    }

    /** The answer (or 408 timeout) of a probe sent to {@code CamelSipRequestUri}. */
    public void probeResult(Exchange exchange) {
        Message m = exchange.getMessage();
        String uri = m.getHeader(SipConstants.REQUEST_URI, String.class);
        Integer status = m.getHeader(SipConstants.STATUS_CODE, Integer.class);
        boolean alive = status != null && aliveCodes.contains(status) && !"timeout".equals(m.getHeader(SipConstants.OUTCOME));
        if (!alive && isLocalOverloadTimeout(m)) {
            return; // no answer in time while SipFlow was overloaded: says nothing about the PBX
        }
        for (DispatcherTarget t : directory.allTargets()) {
            if (!t.uri().equals(uri)) {
                continue;
            }
            if (alive && t.recordSuccess(successThreshold)) {
                LOG.info("PBX {} of set {} is up again (probe {})", t.uri(), t.setId(), status);
            } else if (!alive && t.recordFailure(failureThreshold)) {
                LOG.warn("PBX {} of set {} marked down (probe {})", t.uri(), t.setId(), status);
            }
        }
    }
}
