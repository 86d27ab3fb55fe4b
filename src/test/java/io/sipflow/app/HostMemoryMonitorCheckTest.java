package io.sipflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which kdamonds count as reclaiming, read from a copy of the sysfs layout (pure logic, no kernel). */
class HostMemoryMonitorCheckTest {

    @TempDir
    Path admin;

    private void kdamond(String n, String state, String operations, String action) throws IOException {
        Path d = admin.resolve(n);
        Files.createDirectories(d.resolve("contexts/0/schemes/0"));
        Files.writeString(d.resolve("state"), state + "\n");
        Files.writeString(d.resolve("contexts/0/operations"), operations + "\n");
        if (action != null) {
            Files.writeString(d.resolve("contexts/0/schemes/0/action"), action + "\n");
        }
    }

    @Test
    void aRunningKdamondWithAPageoutSchemeIsReported() throws IOException {
        kdamond("0", "on", "paddr", "pageout");
        assertThat(HostMemoryMonitorCheck.reclaimingMonitors(admin)).containsExactly("kdamond 0 (paddr)");
    }

    @Test
    void aStoppedOneOrOneThatOnlyMonitorsIsNot() throws IOException {
        kdamond("0", "off", "paddr", "pageout");
        kdamond("1", "on", "vaddr", null);
        kdamond("2", "on", "paddr", "stat");
        assertThat(HostMemoryMonitorCheck.reclaimingMonitors(admin)).isEmpty();
    }

    @Test
    void noDamonAtAllIsNoFinding() {
        assertThat(HostMemoryMonitorCheck.reclaimingMonitors(admin.resolve("absent"))).isEmpty();
    }
}
