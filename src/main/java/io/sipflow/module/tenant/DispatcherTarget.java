package io.sipflow.module.tenant;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A dispatcher destination as the router sees it: its table row, its address, and its health
 * (OpenSIPS dispatcher semantics: probed with OPTIONS, marked down after {@code failureThreshold}
 * consecutive failures, up again after {@code successThreshold} consecutive answers; relay timeouts
 * and transport errors count as failures too).
 */
public final class DispatcherTarget {

    private final DispatcherEntry entry;
    private final String host;
    private final int port;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger successes = new AtomicInteger();
    private volatile boolean up;
    private final AtomicInteger timesMarkedDown = new AtomicInteger();

    public DispatcherTarget(DispatcherEntry entry) {
        this.entry = entry;
        String uri = entry.destination().trim();
        String rest = uri.replaceFirst("(?i)^sips?:", "");
        int at = rest.indexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int semi = rest.indexOf(';');
        if (semi >= 0) {
            rest = rest.substring(0, semi);
        }
        String h;
        int p = 5060;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            h = rest.substring(1, close);
            if (close + 1 < rest.length() && rest.charAt(close + 1) == ':') {
                p = Integer.parseInt(rest.substring(close + 2));
            }
        } else {
            int colon = rest.lastIndexOf(':');
            h = colon >= 0 ? rest.substring(0, colon) : rest;
            if (colon >= 0) {
                p = Integer.parseInt(rest.substring(colon + 1));
            }
        }
        this.host = h.toLowerCase(Locale.ROOT);
        this.port = p;
        // administratively inactive (state 1) stays out; probing (2) starts down until it answers
        this.up = entry.state() == 0;
    }

    public DispatcherEntry entry() {
        return entry;
    }

    public String uri() {
        return entry.destination().trim();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int setId() {
        return entry.setId();
    }

    public boolean isAdministrativelyInactive() {
        return entry.state() == 1;
    }

    /** Selectable: not switched off in the table and not marked down. */
    public boolean isUp() {
        return up && !isAdministrativelyInactive();
    }

    /** OpenSIPS probe_mode 1 probes always; 0 probes only destinations that are not up. */
    public boolean wantsProbe() {
        return !isAdministrativelyInactive() && (entry.probeMode() == 1 || !up);
    }

    /** A probe or a relay got an answer; returns true when this changed the destination to up. */
    public boolean recordSuccess(int successThreshold) {
        failures.set(0);
        if (!up && successes.incrementAndGet() >= successThreshold) {
            up = true;
            successes.set(0);
            return true;
        }
        return false;
    }

    /** A probe or a relay failed (timeout, unreachable, 503); returns true when this marked it down. */
    public boolean recordFailure(int failureThreshold) {
        successes.set(0);
        if (up && failures.incrementAndGet() >= failureThreshold) {
            up = false;
            failures.set(0);
            timesMarkedDown.incrementAndGet();
            return true;
        }
        return false;
    }

    /** How often this destination was marked down since it was loaded (a meter; tests). */
    public int timesMarkedDown() {
        return timesMarkedDown.get();
    }

    /** Keeps the health learnt so far when the table is reloaded. */
    void inheritHealth(DispatcherTarget previous) {
        if (entry.state() == previous.entry.state()) {
            this.up = previous.up;
        }
    }

    @Override
    public String toString() {
        return uri() + (isUp() ? " (up)" : " (down)");
    }
}
