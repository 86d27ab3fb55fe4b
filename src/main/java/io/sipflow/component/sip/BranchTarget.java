package io.sipflow.component.sip;

/**
 * One destination of a forked relay: the Request-URI for that branch and where to send it
 * ({@code $du}; null to route by the R-URI). Routes put a list of these into the exchange property
 * {@link SipConstants#PROPERTY_BRANCH_TARGETS} before {@code sip:relay}.
 */
public record BranchTarget(String requestUri, String destinationUri, float q) {
}
