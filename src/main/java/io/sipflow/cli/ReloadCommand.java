package io.sipflow.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sipflow reload}: the running instance reloads tenants and dispatcher sets now. */
@Command(name = "reload", mixinStandardHelpOptions = true, description = "Reload tenants and dispatcher sets now.")
public final class ReloadCommand implements Callable<Integer> {

    @Option(names = "-D", paramLabel = "key=value", description = "Override a property, e.g. -Dsipflow.http.port=8081")
    Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        System.out.println(new ManagementClient(new CliProperties(properties).httpBase()).reload());
        return 0;
    }
}
