package io.sipflow.component.sip.proxy;

import java.time.Duration;
import javax.sip.address.URI;

/**
 * What a route decided before relaying (OpenSIPS {@code $ru}, {@code $du}, {@code record_route()}).
 *
 * @param requestUri  new Request-URI, or null to keep the received one
 * @param destination next hop ({@code $du}), or null to follow the Route set, then the R-URI
 * @param recordRoute insert a Record-Route with {@code ;lr} (dialog-creating requests only)
 * @param timeout     final-response timeout for this branch, or null for {@code sipflow.sip.fr-timeout}
 */
public record RelayInstructions(URI requestUri, URI destination, boolean recordRoute, Duration timeout) {
}
