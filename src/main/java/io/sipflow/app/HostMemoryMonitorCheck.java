package io.sipflow.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns at start when the host runs DAMON-based reclaim (a {@code kdamond} kernel thread with a
 * {@code pageout} scheme) while SipFlow runs on ZGC. In the bench on such a VM, ZGC SipFlow
 * reached 1,500 REGISTER/s with DAMON on and 5,000/s with it off in the same sitting (p99 at
 * 1,500/s 250 ms against 8 ms); G1 lost little. Nothing SipFlow does can avoid it: the operator
 * turns DAMON off for the host or runs G1 (README, Performance).
 */
final class HostMemoryMonitorCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HostMemoryMonitorCheck.class);
    static final Path DAMON_ADMIN = Path.of("/sys/kernel/mm/damon/admin/kdamonds");

    private HostMemoryMonitorCheck() {
    }

    /** Logs the warning when it applies; never fails the start (an unreadable sysfs is no finding). */
    static void warnIfDamonReclaimsUnderZgc() {
        boolean zgc = ZgcHeadroomCheck.runningZgc();
        List<String> reclaiming = reclaimingMonitors(DAMON_ADMIN);
        if (zgc && !reclaiming.isEmpty()) {
            LOG.warn("The kernel's DAMON reclaim is on ({}): with ZGC it cut SipFlow's REGISTER rate by more than half "
                    + "in the bench (README, Performance). Turn it off for this host (echo off > {}/N/state) or run "
                    + "SipFlow with G1", String.join(", ", reclaiming), DAMON_ADMIN);
        }
    }

    /** The running kdamonds under {@code admin} with a {@code pageout} scheme, as "kdamond N (operations)". */
    static List<String> reclaimingMonitors(Path admin) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> kdamonds = Files.list(admin)) {
            for (Path kdamond : kdamonds.sorted().toList()) {
                if ("on".equals(read(kdamond.resolve("state"))) && hasPageoutScheme(kdamond.resolve("contexts"))) {
                    found.add("kdamond " + kdamond.getFileName() + " (" + read(kdamond.resolve("contexts/0/operations")) + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // no DAMON, or not readable: nothing to say
        }
        return found;
    }

    private static boolean hasPageoutScheme(Path contexts) throws IOException {
        if (!Files.isDirectory(contexts)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(contexts, 4)) {
            return files.filter(f -> f.getFileName().toString().equals("action"))
                    .anyMatch(f -> "pageout".equals(read(f)));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
