package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.BranchListener;
import io.sipflow.component.sip.proxy.ClientBranch;
import io.sipflow.component.sip.proxy.ProxyCore;
import io.sipflow.component.sip.proxy.RelayInstructions;
import io.sipflow.component.sip.proxy.ServerTransactionContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import javax.sip.message.Response;
import org.apache.camel.Exchange;

/**
 * One relay to several targets (RFC 3261 §16.6-16.7). Parallel: every branch at once, provisional
 * responses upstream as they come, the first 2xx (or a 6xx) wins and the pending branches are
 * cancelled; otherwise the best final response when all have answered. Serial: branches one after
 * the other, highest q first, until a 2xx or a 6xx.
 */
final class ForkedRelay {

    private final ProxyCore core;
    private final ServerTransactionContext ctx;
    private final Exchange exchange;
    private final ExchangeContinuation continuation;
    private final List<BranchTarget> targets;
    private final boolean serial;
    private final Function<BranchTarget, RelayInstructions> instructions;
    private final BranchListener provisionalForwarder;
    private final List<BranchFinal> finals = new ArrayList<>();
    private int started;
    private boolean decided;

    ForkedRelay(ProxyCore core, ServerTransactionContext ctx, Exchange exchange, ExchangeContinuation continuation,
            List<BranchTarget> targets, boolean serial, Function<BranchTarget, RelayInstructions> instructions,
            BranchListener provisionalForwarder) {
        this.core = core;
        this.ctx = ctx;
        this.exchange = exchange;
        this.continuation = continuation;
        this.targets = serial ? targets.stream().sorted(Comparator.comparingDouble(t -> -t.q())).toList() : targets;
        this.serial = serial;
        this.instructions = instructions;
        this.provisionalForwarder = provisionalForwarder;
    }

    void start() {
        if (serial) {
            next();
        } else {
            int n = targets.size();
            for (int i = 0; i < n; i++) {
                next();
            }
        }
    }

    private void next() {
        BranchTarget target;
        synchronized (this) {
            target = targets.get(started++);
        }
        core.relay(ctx, instructions.apply(target), new BranchListener() {
            @Override
            public void onProvisional(ClientBranch branch, Response response) {
                provisionalForwarder.onProvisional(branch, response);
            }

            @Override
            public void onFinal(ClientBranch branch, Response response, SipOutcome outcome) {
                branchEnded(branch, response, outcome);
            }
        });
    }

    private void branchEnded(ClientBranch branch, Response response, SipOutcome outcome) {
        int code = response.getStatusCode();
        boolean decisive = code < 300 || code >= 600;
        boolean finish;
        boolean startNext = false;
        synchronized (this) {
            if (decided) {
                if (code < 300) {
                    core.forwardUpstream(ctx, response); // RFC 3261 §16.7 step 5: every 2xx goes upstream
                }
                return;
            }
            finals.add(new BranchFinal(branch, response, outcome));
            if (decisive) {
                decided = true;
                finish = true;
            } else if (serial && started < targets.size() && !ctx.isCancelled()) {
                finish = false;
                startNext = true;
            } else {
                finish = finals.size() >= started && (serial || started == targets.size());
                decided = finish;
            }
        }
        if (startNext) {
            next();
            return;
        }
        if (!finish) {
            return;
        }
        if (decisive) {
            core.cancelPendingBranches(ctx);
        }
        BranchFinal best = decisive ? new BranchFinal(branch, response, outcome) : best(finals);
        core.chooseFinal(ctx, best.response());
        // the outcome of the response chosen: all branches timed out is SipFlow's own 408 (timeout),
        // held for a late 2xx like a single branch's
        SipHeaderMapper.mapFinalResponse(exchange.getMessage(), best.response(), best.outcome());
        SipHeaderMapper.mapLocalOverload(exchange.getMessage(), best.branch());
        if (best.branch() != null) {
            exchange.getMessage().setHeader(SipConstants.BRANCH_DESTINATION,
                    io.sipflow.component.sip.proxy.Hops.key(best.branch().hop()));
        }
        continuation.done();
    }

    /** How one branch ended: its final response, what made it, and the branch (null when decided locally). */
    record BranchFinal(ClientBranch branch, Response response, SipOutcome outcome) {
    }

    /**
     * RFC 3261 §16.7 step 6: the lowest class wins; within it, a real answer beats our own 408/503,
     * then the lowest code; of equal codes, one received beats one SipFlow made (a callee's 408 over
     * SipFlow's timeout), else the first that came.
     */
    static BranchFinal best(List<BranchFinal> finals) {
        return finals.stream().min(Comparator.comparingInt((BranchFinal f) -> f.response().getStatusCode() / 100)
                .thenComparingInt(f -> f.response().getStatusCode() == 408 || f.response().getStatusCode() == 503 ? 1 : 0)
                .thenComparingInt(f -> f.response().getStatusCode())
                .thenComparingInt(f -> f.outcome() == SipOutcome.RESPONSE ? 0 : 1)).orElseThrow();
    }

    static boolean isSerial(String mode) {
        return "serial".equalsIgnoreCase(mode);
    }
}
