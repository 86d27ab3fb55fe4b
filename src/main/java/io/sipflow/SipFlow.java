package io.sipflow;

import io.sipflow.app.SipFlowApplication;
import io.sipflow.cli.BindingsCommand;
import io.sipflow.cli.ForwardingCommand;
import io.sipflow.cli.CdrCommand;
import io.sipflow.cli.ReloadCommand;
import io.sipflow.cli.TenantCommand;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar target/sipflow.jar [run] [-Dkey=value ...]}: the SipFlow command line. */
@Command(name = "sipflow", mixinStandardHelpOptions = true, version = "SipFlow 0.1",
        description = "SIP proxy-registrar for multi-tenant Asterisk fleets, flows in Camel routes.",
        subcommands = {SipFlow.Run.class, TenantCommand.class, BindingsCommand.class, ReloadCommand.class,
                ForwardingCommand.class, CdrCommand.class})
public final class SipFlow implements Callable<Integer> {

    @Option(names = "-D", paramLabel = "key=value", description = "Override a property, e.g. -Dsipflow.sip.listen=udp:0.0.0.0:5060")
    Map<String, String> properties = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new SipFlow()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return Run.runWith(properties);
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run SipFlow (the default command).")
    static final class Run implements Callable<Integer> {

        @Option(names = "-D", paramLabel = "key=value", description = "Override a property, e.g. -Dsipflow.sip.listen=udp:0.0.0.0:5060")
        Map<String, String> properties = new LinkedHashMap<>();

        @Option(names = "--routes-dir", description = "Folder of route files that add to / replace the built-in ones (sipflow.routes.dir)")
        String routesDir;

        @Override
        public Integer call() throws Exception {
            if (routesDir != null) {
                properties.put("sipflow.routes.dir", routesDir);
            }
            return runWith(properties);
        }

        static int runWith(Map<String, String> properties) throws Exception {
            try (SipFlowApplication app = new SipFlowApplication(properties)) {
                app.run();
            }
            return 0;
        }
    }
}
