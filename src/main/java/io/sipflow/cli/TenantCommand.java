package io.sipflow.cli;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcTenantPersistence;
import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.TenantDomain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sipflow tenant add|list}: provision tenants and their Asterisk boxes (domain + dispatcher rows). */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Provision tenants (domain + dispatcher tables).",
        subcommands = {TenantCommand.Add.class, TenantCommand.ListTenants.class})
public final class TenantCommand {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a tenant domain with its dispatcher set and PBXs, then ask the running SipFlow to reload.")
    static final class Add implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Parameters(index = "0", description = "tenant domain, e.g. tenant-a.example")
        String domain;

        @Option(names = "--set", required = true, description = "dispatcher set id of the tenant's PBXs")
        int setId;

        @Option(names = "--pbx", description = "PBX URI to add to the set, e.g. sip:10.0.0.5:5060 (repeatable)")
        List<String> pbxs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            CliProperties props = new CliProperties(options.properties);
            try (Database db = props.openDatabase()) {
                JdbcTenantPersistence tenants = new JdbcTenantPersistence(db.dataSource());
                tenants.saveDomain(new TenantDomain(domain, setId, null));
                for (String pbx : pbxs) {
                    tenants.addDispatcher(new DispatcherEntry(0, setId, pbx, null, 0, 0, 1, 0, null, domain));
                }
            }
            System.out.printf("tenant %s -> set %d%s%n", domain, setId, pbxs.isEmpty() ? "" : " " + pbxs);
            return ReloadCommand.askReload(props);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants and their PBXs.")
    static final class ListTenants implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Override
        public Integer call() throws Exception {
            CliProperties props = new CliProperties(options.properties);
            try (Database db = props.openDatabase()) {
                JdbcTenantPersistence tenants = new JdbcTenantPersistence(db.dataSource());
                List<DispatcherEntry> dispatchers = tenants.loadDispatchers();
                for (TenantDomain d : tenants.loadDomains()) {
                    List<String> pbxs = dispatchers.stream().filter(e -> e.setId() == d.setId())
                            .map(DispatcherEntry::destination).toList();
                    System.out.printf("%-30s set %-4d %s%n", d.domain(), d.setId(), pbxs);
                }
            }
            return 0;
        }
    }
}
