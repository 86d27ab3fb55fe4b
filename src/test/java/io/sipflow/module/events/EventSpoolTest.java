package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.testsupport.TestKafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The spool on real files: order, per-sink cursors, segment rolling and deletion, crash recovery. */
class EventSpoolTest {

    private static final List<String> SINKS = List.of("kafka", "mysql");

    @Test
    void eachSinkReadsEverythingInOrderAcrossSegmentsAndConsumedSegmentsAreDeleted() throws Exception {
        Path dir = TestKafka.newDirectory("spool-unit");
        try (EventSpool spool = new EventSpool(dir, 4096, SINKS)) {
            for (int i = 0; i < 10; i++) {
                spool.append(entries(i * 20, 20));
            }
            assertThat(segments(dir)).hasSizeGreaterThan(3);
            assertThat(spool.depth("kafka")).isEqualTo(200);
            List<String> read = drain(spool, "kafka", 7);
            assertThat(read).hasSize(200).containsExactlyElementsOf(keys(0, 200));
            assertThat(spool.depth("kafka")).isZero();
            // mysql has read nothing yet: every segment stays
            assertThat(segments(dir)).hasSizeGreaterThan(3);
            assertThat(drain(spool, "mysql", 50)).containsExactlyElementsOf(keys(0, 200));
            assertThat(segments(dir)).hasSize(1);
        }
    }

    @Test
    void aRestartResumesAfterTheCommittedCursorAndCutsAHalfWrittenLine() throws Exception {
        Path dir = TestKafka.newDirectory("spool-unit");
        try (EventSpool spool = new EventSpool(dir, 1 << 20, SINKS)) {
            spool.append(entries(0, 10));
            EventSpool.Batch b = spool.take("kafka", 4);
            spool.commit(b);
            spool.take("kafka", 3); // read, never committed: delivered again after the restart
        }
        Path segment = segments(dir).get(0);
        Files.writeString(segment, "11\t123\tcdr\thalf", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // crash mid-line
        try (EventSpool spool = new EventSpool(dir, 1 << 20, SINKS)) {
            assertThat(spool.depth("kafka")).isEqualTo(6);
            assertThat(spool.depth("mysql")).isEqualTo(10);
            spool.append(entries(10, 2));
            assertThat(drain(spool, "kafka", 100)).containsExactlyElementsOf(keys(4, 12));
            assertThat(spool.lastSeq()).isEqualTo(12);
        }
    }

    @Test
    void whatASinkTakesFromMemoryIsWhatItWouldReadFromTheFile() throws Exception {
        Path dir = TestKafka.newDirectory("spool-unit");
        List<EventSpool.Entry> odd = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // multi-byte UTF-8 and a key with a tab and a line break: positions are bytes, keys are sanitized
            odd.add(new EventSpool.Entry(EventType.REGISTRATION, "ü-" + i + "\t\nx", "{\"user\":\"Jürgen ☎ " + i + "\"}"));
        }
        EventSpool.Batch fromMemory;
        try (EventSpool spool = new EventSpool(dir, 2048, SINKS)) {
            spool.append(entries(0, 25));
            spool.append(odd);
            spool.append(entries(25, 25));
            spool.commit(spool.take("kafka", 10));
            fromMemory = spool.take("kafka", 45); // never committed
        }
        try (EventSpool spool = new EventSpool(dir, 2048, SINKS)) { // a restart: nothing in memory, read from the file
            EventSpool.Batch fromFile = spool.take("kafka", 45);
            assertThat(fromFile.events()).hasSize(45).containsExactlyElementsOf(fromMemory.events());
            assertThat(fromFile.end()).isEqualTo(fromMemory.end());
            assertThat(fromFile.lastSeq()).isEqualTo(fromMemory.lastSeq()).isEqualTo(55);
            assertThat(fromFile.events().get(20).key()).isEqualTo("ü-5  x");
            spool.commit(fromMemory);
            assertThat(drain(spool, "kafka", 100)).containsExactlyElementsOf(keys(25, 50));
        }
    }

    @Test
    void aSinkFurtherBehindThanTheEventsKeptInMemoryReadsTheFile() throws Exception {
        Path dir = TestKafka.newDirectory("spool-unit");
        try (EventSpool spool = new EventSpool(dir, 4096, SINKS, 16)) {
            for (int i = 0; i < 10; i++) {
                spool.append(entries(i * 10, 10));
            }
            assertThat(drain(spool, "mysql", 7)).containsExactlyElementsOf(keys(0, 100)); // 84 from the file, then memory
            spool.append(entries(100, 5));
            assertThat(drain(spool, "mysql", 7)).containsExactlyElementsOf(keys(100, 105));
            assertThat(drain(spool, "kafka", 40)).containsExactlyElementsOf(keys(0, 105));
        }
    }

    private static List<EventSpool.Entry> entries(int from, int n) {
        List<EventSpool.Entry> l = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            l.add(new EventSpool.Entry(EventType.CDR, "call-" + i, "{\"call_id\":\"call-" + i + "\",\"pad\":\"" + "x".repeat(100) + "\"}"));
        }
        return l;
    }

    private static List<String> keys(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add("call-" + i);
        }
        return l;
    }

    private static List<String> drain(EventSpool spool, String sink, int batch) throws Exception {
        List<String> read = new ArrayList<>();
        while (true) {
            EventSpool.Batch b = spool.take(sink, batch);
            if (b.isEmpty()) {
                return read;
            }
            b.events().forEach(e -> read.add(e.key()));
            spool.commit(b);
        }
    }

    private static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".spool")).sorted().toList();
        }
    }
}
