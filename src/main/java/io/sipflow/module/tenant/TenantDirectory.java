package io.sipflow.module.tenant;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Tenants and their PBX sets, held in memory and swapped atomically on reload: domain to set,
 * set to destinations, destination address to sets (the source classification of requests coming
 * from a PBX). Lookups never touch the database.
 */
public final class TenantDirectory {

    private record Snapshot(Map<String, TenantDomain> domains, Map<Integer, List<DispatcherTarget>> sets,
            Map<String, Set<Integer>> setsByHost, Map<String, Set<Integer>> setsByHostPort,
            Map<Integer, List<TenantDomain>> domainsBySet) {
    }

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    /** Secondary registrars' addresses -> the tenants they serve (set by the forwarding module). */
    private volatile Map<String, Set<String>> secondarySources = Map.of();

    /**
     * Replaces the whole directory. A destination whose row did not change stays the same object
     * (health, in-flight failover candidates); a changed row keeps the health learnt so far.
     */
    public void replace(Collection<TenantDomain> domains, Collection<DispatcherEntry> dispatchers) {
        Map<String, DispatcherTarget> previous = new HashMap<>();
        snapshot.sets().values().forEach(list -> list.forEach(t -> previous.put(t.setId() + "|" + t.uri(), t)));
        Map<String, TenantDomain> byDomain = new HashMap<>();
        for (TenantDomain d : domains) {
            byDomain.put(d.domain().toLowerCase(Locale.ROOT), d);
        }
        Map<Integer, List<DispatcherTarget>> sets = new HashMap<>();
        Map<String, Set<Integer>> byHost = new HashMap<>();
        Map<String, Set<Integer>> byHostPort = new HashMap<>();
        for (DispatcherEntry e : dispatchers) {
            DispatcherTarget old = previous.get(e.setId() + "|" + e.destination().trim());
            DispatcherTarget target;
            if (old != null && old.entry().equals(e)) {
                target = old;
            } else {
                target = new DispatcherTarget(e);
                if (old != null) {
                    target.inheritHealth(old);
                }
            }
            sets.computeIfAbsent(e.setId(), k -> new ArrayList<>()).add(target);
            byHost.computeIfAbsent(target.host(), k -> new HashSet<>()).add(e.setId());
            byHostPort.computeIfAbsent(target.host() + ":" + target.port(), k -> new HashSet<>()).add(e.setId());
        }
        // OpenSIPS: higher priority first, then table order
        sets.values().forEach(list -> list.sort(Comparator.comparingInt((DispatcherTarget t) -> -t.entry().priority())
                .thenComparingInt(t -> t.entry().id())));
        sets.replaceAll((k, v) -> List.copyOf(v));
        Map<Integer, List<TenantDomain>> domainsBySet = new HashMap<>();
        byDomain.values().stream().sorted(Comparator.comparing(TenantDomain::domain))
                .forEach(d -> domainsBySet.computeIfAbsent(d.setId(), k -> new ArrayList<>()).add(d));
        domainsBySet.replaceAll((k, v) -> List.copyOf(v));
        snapshot = new Snapshot(Map.copyOf(byDomain), Map.copyOf(sets), Map.copyOf(byHost), Map.copyOf(byHostPort),
                Map.copyOf(domainsBySet));
    }

    /** The tenant owning this domain, or null. */
    public TenantDomain tenant(String domain) {
        return domain == null ? null : snapshot.domains().get(domain.toLowerCase(Locale.ROOT));
    }

    /** Destinations of a set, in priority order (empty when unknown). */
    public List<DispatcherTarget> set(int setId) {
        return snapshot.sets().getOrDefault(setId, List.of());
    }

    /** Every destination of every set. */
    public List<DispatcherTarget> allTargets() {
        List<DispatcherTarget> all = new ArrayList<>();
        snapshot.sets().values().forEach(all::addAll);
        return all;
    }

    /** Sets containing a destination at this address (ip, or ip:port when {@code port > 0}). */
    public Set<Integer> setsForSource(String host, int port) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        Set<Integer> sets = port > 0 ? snapshot.setsByHostPort().get(h + ":" + port) : snapshot.setsByHost().get(h);
        return sets == null ? Set.of() : sets;
    }

    /** Replaces the addresses of the secondary registrars (host or IP, lower case) and their tenants. */
    public void replaceSecondarySources(Map<String, Set<String>> sources) {
        Map<String, Set<String>> copy = new HashMap<>();
        sources.forEach((host, domains) -> copy.put(host.toLowerCase(Locale.ROOT), Set.copyOf(domains)));
        secondarySources = Map.copyOf(copy);
    }

    /** Tenants whose secondary registrar is at this address (empty when none). */
    public Set<String> secondaryTenantsForSource(String host) {
        Set<String> tenants = host == null ? null : secondarySources.get(host.toLowerCase(Locale.ROOT));
        return tenants == null ? Set.of() : tenants;
    }

    /** Tenant domains served by a set. */
    public List<TenantDomain> domainsOfSet(int setId) {
        return snapshot.domainsBySet().getOrDefault(setId, List.of());
    }

    public int tenantCount() {
        return snapshot.domains().size();
    }
}
