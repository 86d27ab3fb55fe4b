package io.sipflow.module;

/**
 * Exchange headers and properties the modules set for the routes (the SipFlow counterparts of
 * OpenSIPS AVPs and return codes). Values are plain strings/ints/booleans.
 */
public final class ModuleHeaders {

    private ModuleHeaders() {
    }

    /** The tenant's domain the request belongs to (like {@code $avp(tenant)}). */
    public static final String TENANT = "SipFlowTenant";
    /** The dispatcher set of that tenant's PBXs. */
    public static final String DISPATCHER_SET = "SipFlowDispatcherSet";
    /** True when a module refused the request; {@code CamelSipReplyCode}/{@code Reason} say how to answer. */
    public static final String REFUSED = "SipFlowRefused";
    /** Why a module refused or decided something (also logged): short, operator readable. */
    public static final String REASON = "SipFlowReason";
    /** The PBX (dispatcher destination URI) the current branch went to. */
    public static final String PBX = "SipFlowPbx";

    /** Where a request comes from: {@code pbx}, {@code endpoint} or {@code unknown} (set by tenants.classifySource). */
    public static final String SOURCE_KIND = "SipFlowSourceKind";
    /** The binding a PBX-to-endpoint request was routed to (contact id). */
    public static final String BINDING = "SipFlowBinding";

    /** Property: whether the failover loop should relay again (set by the dispatcher after a branch). */
    public static final String PROPERTY_RETRY = "SipFlowRetry";
    /** Property: the remaining failover candidates (a {@code Deque<DispatcherTarget>}). */
    public static final String PROPERTY_CANDIDATES = "SipFlowCandidates";
    /** Property: the {@code DispatcherTarget} the current branch went to. */
    public static final String PROPERTY_PBX_TARGET = "SipFlowPbxTarget";
    /** Property: the registration being relayed ({@code PendingRegistration}). */
    public static final String PROPERTY_REGISTRATION = "SipFlowRegistration";
}
