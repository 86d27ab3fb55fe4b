package io.sipflow.module.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The durable local spool every event goes through: append-only segment files of one line per
 * event ({@code 00000000000000000001.spool}, ...), each append forced to disk before a sink may read
 * it, and one cursor file per sink ({@code kafka.cursor}, {@code mysql.cursor}) naming the last
 * event that sink has delivered. A sink that is down simply stops advancing its cursor; when it
 * returns it reads on from there, in order. A segment is deleted once every sink is past it.
 *
 * <p>One writer thread appends ({@link #append}); each sink is read by one thread at a time
 * ({@link #take} then {@link #commit}). Delivery is at least once: after a crash between a delivery
 * and its cursor write the last batch is sent again (MySQL inserts are idempotent on the event id;
 * Kafka consumers de-duplicate on {@code cdr_id} / {@code event_id}).
 *
 * <p>After a crash a half-written last line is cut off on open. Lines that cannot be parsed are
 * handed to the sink as malformed, for the dead-letter file ({@link #deadLetter}).
 */
public final class EventSpool implements DeadLetters, AutoCloseable {

    private static final String SEGMENT_SUFFIX = ".spool";
    private static final String CURSOR_SUFFIX = ".cursor";
    /** Read buffer per sink; an event line is at most {@link EventValidator#MAX_EVENT_BYTES} plus its prefix. */
    private static final int READ_BUFFER = 1024 * 1024;
    /** Events kept in memory for sinks that keep up: a few batches (~12 MB of CDRs)... */
    private static final int RECENT_EVENTS = 16_384;
    /** ... and at most this many characters of JSON (large stats snapshots). */
    private static final long RECENT_CHARS = 32L * 1024 * 1024;

    private final Path dir;
    private final long segmentBytes;
    private final Map<String, SinkCursor> cursors = new LinkedHashMap<>();
    private final Path deadLetterFile;
    /** The newest durable events, for sinks that keep up (see {@link RecentEvents}). */
    private final RecentEvents recent;

    // writer state (writer thread only, published through durable/lastSeq)
    private FileChannel segment;
    private long segmentNo;
    private long segmentOffset;
    private volatile Position durable;
    private volatile long lastSeq;
    private volatile long lastAppendedAt;

    /**
     * Opens (or creates) the spool in {@code dir} for these sinks.
     *
     * @param segmentBytes a segment is closed and a new one started beyond this size
     */
    public EventSpool(Path dir, long segmentBytes, Collection<String> sinks) throws IOException {
        this(dir, segmentBytes, sinks, RECENT_EVENTS);
    }

    /** @param recentEvents how many of the newest events sinks can read from memory */
    EventSpool(Path dir, long segmentBytes, Collection<String> sinks, int recentEvents) throws IOException {
        this.recent = new RecentEvents(recentEvents, RECENT_CHARS);
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        Files.createDirectories(dir);
        this.deadLetterFile = dir.resolve("dead-letter.jsonl");
        TreeSet<Long> segments = segmentNumbers();
        long first = segments.isEmpty() ? 1 : segments.first();
        Map<String, SinkCursor> stored = new LinkedHashMap<>();
        for (String sink : sinks) {
            SinkCursor c = storedCursor(sink);
            if (c != null) {
                stored.put(sink, c);
            }
        }
        recoverWriter(segments, stored.values());
        for (String sink : sinks) {
            SinkCursor c = stored.get(sink);
            // a new sink (or an unreadable cursor) starts at the oldest event still spooled
            cursors.put(sink, c != null ? c : new SinkCursor(this, new Position(first, 0), firstSeqOf(first) - 1));
        }
    }

    public Path directory() {
        return dir;
    }

    public Path deadLetterFile() {
        return deadLetterFile;
    }

    // ---------------------------------------------------------------- writer side

    /** A line to append: type, key and JSON of one event. */
    public record Entry(EventType type, String key, String json) {
    }

    /** Appends the entries and forces them to disk; only then can sinks read them. Writer thread only. */
    public synchronized void append(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        byte[][] lines = new byte[entries.size()][];
        int total = 0;
        long seq = lastSeq;
        for (int i = 0; i < lines.length; i++) {
            Entry e = entries.get(i);
            lines[i] = (SpooledEvent.line(++seq, now, e.type(), e.key(), e.json()) + "\n").getBytes(StandardCharsets.UTF_8);
            total += lines[i].length;
        }
        if (segmentOffset > 0 && segmentOffset + total > segmentBytes) {
            roll();
        }
        ByteBuffer bytes = ByteBuffer.allocate(total);
        for (byte[] line : lines) {
            bytes.put(line);
        }
        bytes.flip();
        long offset = segmentOffset;
        while (bytes.hasRemaining()) {
            segmentOffset += segment.write(bytes);
        }
        segment.force(false);
        seq = lastSeq;
        for (int i = 0; i < lines.length; i++) {
            Entry e = entries.get(i);
            offset += lines[i].length;
            recent.add(new SpooledEvent(++seq, now, e.type(), SpooledEvent.sanitize(e.key()), e.json(), null),
                    new Position(segmentNo, offset));
        }
        lastAppendedAt = now;
        lastSeq = seq;
        durable = new Position(segmentNo, segmentOffset);
    }

    private void roll() throws IOException {
        segment.force(true);
        segment.close();
        segmentNo++;
        segmentOffset = 0;
        segment = FileChannel.open(segmentPath(segmentNo), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        forceDirectory();
    }

    private void recoverWriter(TreeSet<Long> segments, Collection<SinkCursor> stored) throws IOException {
        segmentNo = segments.isEmpty() ? 1 : segments.last();
        Path path = segmentPath(segmentNo);
        segment = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        long size = segment.size();
        long end = lastNewlineEnd(segment, size);
        if (end < size) {
            segment.truncate(end); // a half-written line from a crash
            segment.force(true);
        }
        segmentOffset = end;
        segment.position(end);
        durable = new Position(segmentNo, segmentOffset);
        long seq = lastSeqIn(segments);
        for (SinkCursor c : stored) {
            seq = Math.max(seq, c.committedSeq); // every segment delivered and deleted: numbering goes on
        }
        lastSeq = seq;
    }

    /** The sequence number of the last line of the newest non-empty segment, 0 when the spool is empty. */
    private long lastSeqIn(TreeSet<Long> segments) throws IOException {
        for (Long no : segments.descendingSet()) {
            try (FileChannel ch = FileChannel.open(segmentPath(no), StandardOpenOption.READ)) {
                long end = lastNewlineEnd(ch, ch.size());
                if (end == 0) {
                    continue;
                }
                long start = Math.max(0, end - 2L * EventValidator.MAX_EVENT_BYTES);
                ByteBuffer buf = ByteBuffer.allocate((int) (end - start));
                ch.read(buf, start);
                String tail = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                String[] lines = tail.split("\n");
                for (int i = lines.length - 1; i >= 0; i--) {
                    SpooledEvent e = SpooledEvent.parse(lines[i]);
                    if (e.seq() >= 0) {
                        return e.seq();
                    }
                }
            }
        }
        return 0;
    }

    private static long lastNewlineEnd(FileChannel ch, long size) throws IOException {
        long pos = size;
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (pos > 0) {
            int len = (int) Math.min(buf.capacity(), pos);
            buf.clear().limit(len);
            ch.read(buf, pos - len);
            for (int i = len - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return pos - len + i + 1;
                }
            }
            pos -= len;
        }
        return 0;
    }

    // ---------------------------------------------------------------- reader side

    /** What one {@link #take} read: the events and where the sink's cursor moves on commit. */
    public record Batch(String sink, List<SpooledEvent> events, Position end, long lastSeq, boolean full) {
        public boolean isEmpty() {
            return events.isEmpty();
        }
    }

    /** Where a sink stands: segment number and byte offset in it. */
    public record Position(long segment, long offset) {
    }

    /**
     * Reads up to {@code max} events after the sink's cursor (durable ones only). Does not move the
     * cursor: {@link #commit} does, once the batch is delivered; without a commit the next take
     * reads the same events again.
     */
    public Batch take(String sink, int max) throws IOException {
        SinkCursor c = cursor(sink);
        synchronized (c) {
            RecentEvents.Slice recentSlice = recent.after(c.committedSeq, max);
            if (recentSlice != null) {
                List<SpooledEvent> events = recentSlice.events();
                if (events.isEmpty()) {
                    return new Batch(sink, events, c.committed, c.committedSeq, false);
                }
                if (c.oldestPendingAt == 0) {
                    c.oldestPendingAt = events.get(0).appendedAt();
                }
                return new Batch(sink, events, recentSlice.end(), recentSlice.lastSeq(), events.size() >= max);
            }
            List<SpooledEvent> events = new ArrayList<>(Math.min(max, 1024));
            Position pos = c.committed;
            long seq = c.committedSeq;
            while (events.size() < max) {
                Position end = durable;
                boolean current = pos.segment() == end.segment();
                long limit = current ? end.offset() : segmentSize(pos.segment());
                if (pos.offset() >= limit) {
                    if (current || pos.segment() > end.segment()) {
                        break;
                    }
                    pos = new Position(pos.segment() + 1, 0);
                    continue;
                }
                FileChannel ch = c.channel(pos.segment());
                c.buffer.clear().limit((int) Math.min(c.buffer.capacity(), limit - pos.offset()));
                int read = ch.read(c.buffer, pos.offset());
                if (read <= 0) {
                    break;
                }
                byte[] bytes = c.buffer.array();
                int lineStart = 0;
                for (int i = 0; i < read && events.size() < max; i++) {
                    if (bytes[i] == '\n') {
                        SpooledEvent e = SpooledEvent.parse(new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8));
                        events.add(e);
                        if (e.seq() >= 0) {
                            seq = e.seq();
                        }
                        lineStart = i + 1;
                    }
                }
                if (lineStart == 0) {
                    // a line longer than the buffer: cannot happen for lines this spool wrote; skip the rest of the segment
                    events.add(new SpooledEvent(-1, 0, null, null, "", "line longer than " + READ_BUFFER + " bytes"));
                    pos = new Position(pos.segment(), limit);
                    continue;
                }
                pos = new Position(pos.segment(), pos.offset() + lineStart);
            }
            if (!events.isEmpty() && c.oldestPendingAt == 0) {
                c.oldestPendingAt = events.get(0).appendedAt();
            }
            return new Batch(sink, events, pos, seq, events.size() >= max);
        }
    }

    /** The batch was delivered: move the sink's cursor past it (persisted) and drop segments every sink is done with. */
    public void commit(Batch batch) throws IOException {
        SinkCursor c = cursor(batch.sink());
        synchronized (c) {
            c.committed = batch.end();
            c.committedSeq = Math.max(c.committedSeq, batch.lastSeq());
            c.oldestPendingAt = c.committedSeq >= lastSeq ? 0
                    : (batch.events().isEmpty() ? c.oldestPendingAt : batch.events().get(batch.events().size() - 1).appendedAt());
            writeCursor(batch.sink(), c);
        }
        deleteConsumedSegments();
    }

    /** Events appended but not yet delivered by this sink. */
    public long depth(String sink) {
        return Math.max(0, lastSeq - cursor(sink).committedSeq);
    }

    /** Age in ms of the oldest event this sink has not delivered (0 when it is caught up). */
    public long oldestAgeMillis(String sink) {
        SinkCursor c = cursor(sink);
        if (depth(sink) == 0) {
            return 0;
        }
        long at = c.oldestPendingAt != 0 ? c.oldestPendingAt : lastAppendedAt;
        return at == 0 ? 0 : Math.max(0, System.currentTimeMillis() - at);
    }

    public long lastSeq() {
        return lastSeq;
    }

    public Collection<String> sinks() {
        return cursors.keySet();
    }

    /**
     * Appends an event that cannot be delivered to {@code dead-letter.jsonl}, one JSON object per
     * line: {@code time}, {@code sink}, {@code reason}, {@code event} (the event's JSON or the raw line).
     */
    @Override
    public synchronized void deadLetter(String sink, String event, String reason) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", Timestamps.ofMillis(System.currentTimeMillis()));
        entry.put("sink", sink);
        entry.put("reason", reason);
        entry.put("event", event);
        String line = EventJson.write(entry) + "\n";
        try (FileChannel ch = FileChannel.open(deadLetterFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = StandardCharsets.UTF_8.encode(line);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the dead-letter file " + deadLetterFile, e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        for (SinkCursor c : cursors.values()) {
            synchronized (c) {
                c.closeChannel();
            }
        }
        if (segment != null && segment.isOpen()) {
            segment.force(true);
            segment.close();
        }
    }

    // ---------------------------------------------------------------- files

    private SinkCursor cursor(String sink) {
        SinkCursor c = cursors.get(sink);
        if (c == null) {
            throw new IllegalArgumentException("No spool sink named '" + sink + "' (known: " + cursors.keySet() + ")");
        }
        return c;
    }

    /** The cursor persisted for this sink, null when there is none (or it cannot be read). */
    private SinkCursor storedCursor(String sink) throws IOException {
        Path file = dir.resolve(sink + CURSOR_SUFFIX);
        if (!Files.exists(file)) {
            return null;
        }
        String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
        if (parts.length != 3) {
            return null;
        }
        try {
            return new SinkCursor(this, new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                    Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private long firstSeqOf(long segmentNo) throws IOException {
        Path path = segmentPath(segmentNo);
        if (!Files.exists(path) || Files.size(path) == 0) {
            return lastSeq + 1;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            ch.read(buf, 0);
            String head = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            int tab = head.indexOf('\t');
            try {
                return tab > 0 ? Long.parseLong(head.substring(0, tab)) : lastSeq + 1;
            } catch (NumberFormatException e) {
                return lastSeq + 1;
            }
        }
    }

    private void writeCursor(String sink, SinkCursor c) throws IOException {
        Path file = dir.resolve(sink + CURSOR_SUFFIX);
        Path tmp = dir.resolve(sink + CURSOR_SUFFIX + ".tmp");
        String text = c.committed.segment() + " " + c.committed.offset() + " " + c.committedSeq + "\n";
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(StandardCharsets.US_ASCII.encode(text));
            ch.force(false);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void deleteConsumedSegments() throws IOException {
        long min = Long.MAX_VALUE;
        for (SinkCursor c : cursors.values()) {
            min = Math.min(min, c.committed.segment());
        }
        long writing = durable.segment();
        for (Long no : segmentNumbers()) {
            if (no < min && no < writing) {
                for (SinkCursor c : cursors.values()) {
                    synchronized (c) {
                        if (c.channelSegment == no) {
                            c.closeChannel();
                        }
                    }
                }
                Files.deleteIfExists(segmentPath(no));
            }
        }
    }

    private long segmentSize(long no) throws IOException {
        Path p = segmentPath(no);
        return Files.exists(p) ? Files.size(p) : 0;
    }

    private TreeSet<Long> segmentNumbers() throws IOException {
        TreeSet<Long> result = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SEGMENT_SUFFIX)).forEach(n -> {
                try {
                    result.add(Long.parseLong(n.substring(0, n.length() - SEGMENT_SUFFIX.length())));
                } catch (NumberFormatException e) {
                    // not ours
                }
            });
        }
        return result;
    }

    private Path segmentPath(long no) {
        return dir.resolve(String.format("%020d%s", no, SEGMENT_SUFFIX));
    }

    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not supported on every file system; the segment itself is forced
        }
    }

    /** A sink's committed position and its open read channel. */
    private static final class SinkCursor {
        private final EventSpool spool;
        Position committed;
        long committedSeq;
        long oldestPendingAt;
        final ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
        FileChannel channel;
        long channelSegment = -1;

        SinkCursor(EventSpool spool, Position committed, long committedSeq) {
            this.spool = spool;
            this.committed = committed;
            this.committedSeq = committedSeq;
        }

        FileChannel channel(long segmentNo) throws IOException {
            if (channel == null || channelSegment != segmentNo) {
                closeChannel();
                channel = FileChannel.open(spool.segmentPath(segmentNo), StandardOpenOption.READ);
                channelSegment = segmentNo;
            }
            return channel;
        }

        void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // closing a read channel
                }
                channel = null;
                channelSegment = -1;
            }
        }
    }
}
