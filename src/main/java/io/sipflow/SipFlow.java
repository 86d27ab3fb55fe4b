package io.sipflow;

import io.sipflow.app.SipFlowApplication;
import io.sipflow.cli.BindingsCommand;
import io.sipflow.cli.ForwardingCommand;
import io.sipflow.cli.PropertyOptions;
import io.sipflow.cli.CdrCommand;
import io.sipflow.cli.ReloadCommand;
import io.sipflow.cli.TenantCommand;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code java -jar target/sipflow.jar [run] [-Dkey=value ...]}: the SipFlow command line. */
@Command(name = "sipflow", mixinStandardHelpOptions = true, version = "SipFlow 0.1",
        description = "SIP proxy-registrar for multi-tenant Asterisk fleets, flows in Camel routes.",
        subcommands = {SipFlow.Run.class, SipFlow.Check.class, TenantCommand.class, BindingsCommand.class, ReloadCommand.class,
                ForwardingCommand.class, CdrCommand.class})
public final class SipFlow implements Callable<Integer> {

    @Mixin
    PropertyOptions overrides;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SipFlow()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return Run.runWith(overrides.properties);
    }

    /** What {@code run} and {@code check} take: property overrides and the operator's route folder. */
    static final class StartOptions {

        @Mixin
        PropertyOptions overrides;

        @Option(names = "--routes-dir", description = "Folder of route files that add to / replace the built-in ones (sipflow.routes.dir)")
        String routesDir;

        Map<String, String> properties() {
            Map<String, String> properties = new LinkedHashMap<>(overrides.properties);
            if (routesDir != null) {
                properties.put("sipflow.routes.dir", routesDir);
            }
            return properties;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run SipFlow (the default command).")
    static final class Run implements Callable<Integer> {

        @Mixin
        StartOptions options;

        @Override
        public Integer call() throws Exception {
            return runWith(options.properties());
        }

        static int runWith(Map<String, String> properties) throws Exception {
            try (SipFlowApplication app = new SipFlowApplication(properties)) {
                app.run();
            }
            return 0;
        }
    }

    /**
     * {@code sipflow check}: starts SipFlow with the given configuration exactly as {@code run}
     * would (properties, route files, database, Kafka, SIP listeners), reports, and stops (Kamailio's
     * {@code -c}, but by really starting: it binds the configured ports, so give a running service's
     * copy other ports). Exit 0 when everything started; a bad property or route file fails naming
     * it. Also the training run for an application class-data archive: started with
     * {@code -XX:ArchiveClassesAtExit=sipflow.jsa}, the JVM writes the archive when check exits.
     */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Start with this configuration, report the routes and listeners, stop: exit 0 if it all started.")
    static final class Check implements Callable<Integer> {

        @Mixin
        StartOptions options;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (SipFlowApplication app = new SipFlowApplication(options.properties())) {
                app.start();
                var context = app.context();
                spec.commandLine().getOut().printf("SipFlow configuration OK: %d route(s) started (%s), SIP on %s%n",
                        context.getRoutesSize(), String.join(", ", context.getRoutes().stream().map(r -> r.getRouteId()).sorted().toList()),
                        context.resolvePropertyPlaceholders("{{sipflow.sip.listen}}"));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
