package io.sipflow.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code sipflow reload}: the running instance reloads tenants, dispatcher sets and forwarding now. */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Reload tenants, dispatcher sets and secondary registrars now.")
public final class ReloadCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    PropertyOptions options;

    @Override
    public Integer call() throws Exception {
        System.out.println(new ManagementClient(new CliProperties(options.properties).httpBase()).reload());
        return 0;
    }

    /** After a provisioning change: asks the running SipFlow to reload; tells when it is not reachable. */
    static int askReload(CliProperties props) {
        try {
            System.out.println(new ManagementClient(props.httpBase()).reload());
        } catch (Exception e) {
            System.out.println("SipFlow not reachable at " + props.httpBase() + " (" + e.getMessage()
                    + "): it picks the change up at its next periodic reload");
        }
        return 0;
    }
}
