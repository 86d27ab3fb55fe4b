package io.sipflow.module.tenant;

/**
 * A tenant: a row of the OpenSIPS {@code domain} table with the {@code setid} column the seeds
 * added, naming the dispatcher set of the tenant's PBXs.
 */
public record TenantDomain(String domain, int setId, String attrs) {
}
