package io.sipflow.cli;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcForwardingPersistence;
import io.sipflow.module.forwarding.SecondaryRegistrar;
import io.sipflow.module.forwarding.SecondaryUser;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sipflow forwarding set|user|list|status}: provision secondary registration forwarding
 * (tables {@code secondary_registrar}, {@code secondary_user}) and look at its state.
 */
@Command(name = "forwarding", mixinStandardHelpOptions = true,
        description = "Secondary registration forwarding (e.g. to Genesys): provision and inspect.",
        subcommands = {ForwardingCommand.Set.class, ForwardingCommand.User.class, ForwardingCommand.ListRegistrars.class,
                ForwardingCommand.Status.class})
public final class ForwardingCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Forward a tenant's registrations to a secondary registrar, then ask SipFlow to reload.")
    static final class Set implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Parameters(index = "0", description = "tenant domain, e.g. tenant-a.example")
        String domain;

        @Option(names = "--registrar", description = "secondary registrar URI, e.g. sip:192.168.210.81:5060")
        String registrarUri;

        @Option(names = "--set", description = "or: dispatcher set id holding the secondary registrars")
        int setId;

        @Option(names = "--secondary-domain", description = "domain of the users at the secondary (default: registrar host)")
        String secondaryDomain;

        @Option(names = "--auth-user", description = "digest user for all users of the tenant (default: the user part)")
        String authUser;

        @Option(names = "--password", description = "digest password for all users of the tenant", interactive = true,
                arity = "0..1")
        String password;

        @Option(names = "--expires", description = "seconds to ask the secondary for (default: what Asterisk granted)")
        Integer expires;

        @Option(names = "--disabled", description = "keep the row but forward nothing")
        boolean disabled;

        @Override
        public Integer call() throws Exception {
            CliProperties props = new CliProperties(options.properties);
            SecondaryRegistrar registrar = new SecondaryRegistrar(domain, registrarUri, setId, secondaryDomain, authUser,
                    password, expires, !disabled);
            try (Database db = props.openDatabase()) {
                new JdbcForwardingPersistence(db.dataSource()).saveRegistrar(registrar);
            }
            System.out.println(registrar);
            return ReloadCommand.askReload(props);
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = "Per-user mapping (the DN at the secondary) and/or credentials.")
    static final class User implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Parameters(index = "0", description = "tenant domain")
        String domain;

        @Parameters(index = "1", description = "user part at SipFlow/Asterisk, e.g. 1002")
        String username;

        @Option(names = "--as", description = "user part at the secondary (default: the same)")
        String secondaryUsername;

        @Option(names = "--auth-user", description = "this user's digest user")
        String authUser;

        @Option(names = "--password", description = "this user's digest password", interactive = true, arity = "0..1")
        String password;

        @Override
        public Integer call() throws Exception {
            CliProperties props = new CliProperties(options.properties);
            SecondaryUser user = new SecondaryUser(domain, username, secondaryUsername, authUser, password);
            try (Database db = props.openDatabase()) {
                new JdbcForwardingPersistence(db.dataSource()).saveUser(user);
            }
            System.out.println(user);
            return ReloadCommand.askReload(props);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the secondary registrars (no passwords).")
    static final class ListRegistrars implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Override
        public Integer call() throws Exception {
            CliProperties props = new CliProperties(options.properties);
            try (Database db = props.openDatabase()) {
                new JdbcForwardingPersistence(db.dataSource()).loadRegistrars().forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "The running SipFlow's secondary registrations, as JSON (like uac_reg_dump).")
    static final class Status implements Callable<Integer> {

        @picocli.CommandLine.Mixin
        PropertyOptions options;

        @Option(names = "--domain", description = "only this tenant domain")
        String domain;

        @Option(names = "--aor", description = "only this AoR, user@domain")
        String aor;

        @Override
        public Integer call() throws Exception {
            System.out.println(new ManagementClient(new CliProperties(options.properties).httpBase()).forwarding(domain, aor));
            return 0;
        }
    }
}
