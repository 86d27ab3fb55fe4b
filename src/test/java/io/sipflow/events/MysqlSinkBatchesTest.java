package io.sipflow.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcEventPersistence;
import io.sipflow.module.db.SchemaInstaller;
import io.sipflow.module.events.CdrEvent;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.EventType;
import io.sipflow.module.events.RegistrationEvent;
import io.sipflow.module.events.RegistrationEventKind;
import io.sipflow.module.events.SpooledEvent;
import io.sipflow.testsupport.Cdrs;
import io.sipflow.testsupport.TestMariaDb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MySQL sink's statements against a real (embedded) MariaDB with batches large enough for every
 * path: split over two writers, multi-row INSERTs of 50 rows and the remainder as a JDBC batch, for
 * CDRs (acc, missed_calls) and registration events together; a replay stores nothing twice; a bad
 * event goes to the dead-letter list and the others are stored.
 */
class MysqlSinkBatchesTest {

    private static final Instant T = Instant.parse("2026-11-23T12:00:00.250Z");

    @Test
    void largeMixedBatchesAreStoredRowForRowAndOnlyOnce() throws Exception {
        String url = TestMariaDb.newDatabaseUrl();
        try (Database db = Database.connect(url, "root", "")) {
            List<String> deadLetters = new ArrayList<>();
            JdbcEventPersistence mysql = twoWriterSink(db, deadLetters);
            List<SpooledEvent> batch = new ArrayList<>();
            int cdrs = 1_037;
            int registrations = 173;
            for (int i = 0; i < cdrs; i++) {
                CdrEvent cdr = Cdrs.of(CdrOutcome.values()[i % 4], "batch-" + i, "tenant-a.example", T);
                batch.add(spooled(batch.size(), EventType.CDR, cdr.key(), EventJson.write(cdr)));
                if (i < registrations) {
                    RegistrationEvent reg = RegistrationEvent.binding(RegistrationEventKind.BINDING_ADDED, "u" + i,
                            "tenant-a.example", "sip:u" + i + "@192.0.2.7:5062", "192.0.2.7:5062", 1_800_000_000L,
                            "reg-" + i, "phone/1.0", "sip:127.0.0.71:5060");
                    batch.add(spooled(batch.size(), EventType.REGISTRATION, reg.key(), EventJson.write(reg)));
                }
            }
            assertThat(mysql.insert(batch)).isEqualTo(cdrs + registrations);
            mysql.insert(batch); // a replay after a crash before the cursor moved
            assertThat(deadLetters).isEmpty();
            try (Connection c = DriverManager.getConnection(url, "root", "")) {
                int answered = (cdrs + 3) / 4;
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM acc")).isEqualTo(answered);
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM missed_calls")).isEqualTo(cdrs - answered);
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM registration_events")).isEqualTo(registrations);
                // the last CDR of the batch went through the remainder path, an early one through a 50-row INSERT
                for (String callId : List.of("batch-0", "batch-1032")) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT callid, sip_code, time, duration, ms_duration, "
                            + "setuptime, created, created_at, answered_at, ended_at, outcome, from_tag, tenant "
                            + "FROM acc WHERE callid = ?")) {
                        ps.setString(1, callId);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).as(callId).isTrue();
                            assertThat(rs.getString("sip_code")).isEqualTo("200");
                            assertThat(rs.getString("time")).isEqualTo("2026-11-23 12:00:01"); // answered, cut to the second
                            assertThat(rs.getLong("duration")).isEqualTo(61); // 61.25 s
                            assertThat(rs.getLong("ms_duration")).isEqualTo(61_250);
                            assertThat(rs.getLong("setuptime")).isEqualTo(2); // 1.5 s, rounded
                            assertThat(rs.getString("created")).isEqualTo("2026-11-23 12:00:00");
                            assertThat(rs.getObject("created_at", LocalDateTime.class)).isEqualTo("2026-11-23T12:00:00.250");
                            assertThat(rs.getObject("answered_at", LocalDateTime.class)).isEqualTo("2026-11-23T12:00:01.750");
                            // 61.25 s after the answer
                            assertThat(rs.getObject("ended_at", LocalDateTime.class)).isEqualTo("2026-11-23T12:01:03");
                            assertThat(rs.getString("outcome")).isEqualTo("answered");
                            assertThat(rs.getString("from_tag")).isEqualTo("ft-" + callId);
                            assertThat(rs.getString("tenant")).isEqualTo("tenant-a.example");
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT sip_code, sip_reason, time, outcome FROM missed_calls WHERE callid = ?")) {
                    ps.setString(1, "batch-1035"); // 1035 % 4 = 3: cancelled
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString("sip_code")).isEqualTo("487");
                        assertThat(rs.getString("sip_reason")).isEqualTo("Request Terminated");
                        assertThat(rs.getString("time")).isEqualTo("2026-11-23 12:00:04"); // ended
                        assertThat(rs.getString("outcome")).isEqualTo("cancelled");
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT username, received, expires, user_agent FROM registration_events WHERE callid = ?")) {
                    ps.setString(1, "reg-172");
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString("username")).isEqualTo("u172");
                        assertThat(rs.getString("received")).isEqualTo("192.0.2.7:5062");
                        assertThat(rs.getString("expires")).isEqualTo("2027-01-15 08:00:00");
                        assertThat(rs.getString("user_agent")).isEqualTo("phone/1.0");
                    }
                }
            }
        }
    }

    @Test
    void anEventThatCannotBeMappedIsDeadLetteredAndTheOthersStored() throws Exception {
        String url = TestMariaDb.newDatabaseUrl();
        try (Database db = Database.connect(url, "root", "")) {
            List<String> deadLetters = new ArrayList<>();
            JdbcEventPersistence mysql = twoWriterSink(db, deadLetters);
            List<SpooledEvent> batch = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                CdrEvent cdr = Cdrs.of(CdrOutcome.ANSWERED, "mixed-" + i, "tenant-a.example", T);
                String json = EventJson.write(cdr);
                if (i == 60) {
                    json = json.replace(T.toString(), "yesterday");
                }
                batch.add(spooled(i, EventType.CDR, cdr.key(), json));
            }
            batch.add(spooled(120, EventType.CDR, "x", "{\"cdr_id\": [1, {\"a\": 2}], \"outcome\": \"answered\"}"));
            mysql.insert(batch);
            assertThat(deadLetters).hasSize(2);
            assertThat(deadLetters.get(0)).contains("bad timestamp 'yesterday'");
            assertThat(deadLetters.get(1)).contains("missing field");
            try (Connection c = DriverManager.getConnection(url, "root", "")) {
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM acc")).isEqualTo(119);
            }
        }
    }

    /** The sink as SipFlow wires it (two writers) on a fresh schema; dead-lettered reasons go to the list. */
    private static JdbcEventPersistence twoWriterSink(Database db, List<String> deadLetters) throws Exception {
        new SchemaInstaller(db.dataSource()).install();
        return new JdbcEventPersistence(db.dataSource(), (sink, event, reason) -> deadLetters.add(reason), 2);
    }

    private static SpooledEvent spooled(long seq, EventType type, String key, String json) {
        return new SpooledEvent(seq + 1, System.currentTimeMillis(), type, key, json, null);
    }
}
