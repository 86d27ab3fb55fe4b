package io.sipflow.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sipflow bindings [--domain d] [--aor user@d]}: the running instance's bindings (ul_dump), as JSON. */
@Command(name = "bindings", mixinStandardHelpOptions = true, description = "Show registered bindings (like ul_dump).")
public final class BindingsCommand implements Callable<Integer> {

    @Option(names = "--domain", description = "only this tenant domain")
    String domain;

    @Option(names = "--aor", description = "only this AoR, user@domain")
    String aor;

    @picocli.CommandLine.Mixin
    PropertyOptions options;

    @Override
    public Integer call() throws Exception {
        System.out.println(new ManagementClient(new CliProperties(options.properties).httpBase()).bindings(domain, aor));
        return 0;
    }
}
