package io.sipflow.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code sipflow reload}: the running instance reloads tenants and dispatcher sets now. */
@Command(name = "reload", mixinStandardHelpOptions = true, description = "Reload tenants and dispatcher sets now.")
public final class ReloadCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    PropertyOptions options;

    @Override
    public Integer call() throws Exception {
        System.out.println(new ManagementClient(new CliProperties(options.properties).httpBase()).reload());
        return 0;
    }
}
