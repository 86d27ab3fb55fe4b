package io.sipflow.app.headers;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A Camel message's header map: keys compare ignoring case, like Camel's own
 * {@code CaseInsensitiveMap}, but found by hashing instead of walking a {@code TreeMap}.
 *
 * <p>A proxied SIP exchange carries ~35 {@code CamelSip*}/{@code SipFlow*} headers by its final
 * response, which every route step reads and writes; in the tree each look-up took ~5
 * case-insensitive string comparisons over the shared {@code CamelSip} prefix (the tree was 3.9 % of
 * SipFlow's JFR samples at 1,500 REGISTER/s). Here a look-up is one case-folded hash of the name
 * and, normally, one identity or {@code equalsIgnoreCase} check ({@code HeadersMapBenchmark}: a
 * REGISTER exchange's header traffic 2.1 -> 0.95 us).
 *
 * <p>As in Camel's map: the spelling first put is the one iterated (a later put in another case
 * replaces the value and keeps that spelling); a {@code null} name is never stored. Unlike the tree,
 * iteration is in insertion order. Not thread-safe, as a message's headers are not.
 */
public final class CaseInsensitiveHeaders extends AbstractMap<String, Object> {

    // a proxied SIP exchange holds ~35 headers by its final response: no resize on the way
    private static final int INITIAL_CAPACITY = 64;

    /** Remembered folds, one slot per name hash: bounded, shared by every map (see foldedHash). */
    private static final FoldedName[] FOLDED_NAMES = new FoldedName[1024];
    /** Longer names (rare, possibly from a message) are folded each time and never kept. */
    private static final int MAX_REMEMBERED_LENGTH = 64;

    private Node[] table;
    /** Insertion order, for iteration. */
    private Node head;
    private Node tail;
    private int size;
    private int modCount;
    private EntrySet entrySet;

    public CaseInsensitiveHeaders() {
        table = new Node[INITIAL_CAPACITY];
    }

    public CaseInsensitiveHeaders(Map<String, Object> other) {
        int capacity = INITIAL_CAPACITY;
        while (capacity * 3 / 4 < other.size()) {
            capacity <<= 1;
        }
        table = new Node[capacity];
        putAll(other);
    }

    /**
     * Case-folded hash: ASCII letters fold to lower case; any other non-ASCII character adds the same
     * constant, so two names {@link String#equalsIgnoreCase} calls equal always hash alike, whatever
     * Unicode case rules decide for them.
     *
     * <p>Header names are nearly always the same few constant strings ({@code SipConstants}, the
     * names in route expressions), so the fold is remembered per name instance: a look-up then costs
     * the name's own cached {@link String#hashCode} and one identity check. Folding every name on
     * every put and get was 4 % of the SIP threads' CPU samples at 2,000 calls/s.
     */
    static int foldedHash(String name) {
        FoldedName[] memo = FOLDED_NAMES;
        int slot = name.hashCode() & (memo.length - 1);
        FoldedName known = memo[slot];
        if (known != null && known.name == name) {
            return known.hash;
        }
        int hash = fold(name);
        if (name.length() <= MAX_REMEMBERED_LENGTH) {
            memo[slot] = new FoldedName(name, hash); // a race only costs a fold: entries are immutable
        }
        return hash;
    }

    static int fold(String name) {
        int h = 0;
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            } else if (c >= 0x80) {
                c = 0x80;
            }
            h = 31 * h + c;
        }
        return h ^ (h >>> 16);
    }

    /** A name instance and its fold; found by identity, so equal content in another instance folds anew. */
    private record FoldedName(String name, int hash) {
    }

    private static boolean sameName(String stored, String name) {
        return stored == name || stored.equalsIgnoreCase(name);
    }

    private Node find(Object key) {
        if (!(key instanceof String name)) {
            return null;
        }
        int hash = foldedHash(name);
        for (Node n = table[hash & (table.length - 1)]; n != null; n = n.next) {
            if (n.hash == hash && sameName(n.key, name)) {
                return n;
            }
        }
        return null;
    }

    @Override
    public Object get(Object key) {
        Node n = find(key);
        return n == null ? null : n.value;
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) != null;
    }

    @Override
    public Object put(String key, Object value) {
        Objects.requireNonNull(key, "header name");
        int hash = foldedHash(key);
        int slot = hash & (table.length - 1);
        for (Node n = table[slot]; n != null; n = n.next) {
            if (n.hash == hash && sameName(n.key, key)) {
                Object old = n.value;
                n.value = value;
                return old;
            }
        }
        Node node = new Node(key, hash, value);
        node.next = table[slot];
        table[slot] = node;
        node.before = tail;
        if (tail == null) {
            head = node;
        } else {
            tail.after = node;
        }
        tail = node;
        size++;
        modCount++;
        if (size > table.length * 3 / 4) {
            grow();
        }
        return null;
    }

    private void grow() {
        Node[] bigger = new Node[table.length << 1];
        for (Node n = head; n != null; n = n.after) {
            int slot = n.hash & (bigger.length - 1);
            n.next = bigger[slot];
            bigger[slot] = n;
        }
        table = bigger;
    }

    @Override
    public Object remove(Object key) {
        Node n = find(key);
        if (n == null) {
            return null;
        }
        unlink(n);
        return n.value;
    }

    private void unlink(Node node) {
        int slot = node.hash & (table.length - 1);
        Node prev = null;
        for (Node n = table[slot]; n != null; prev = n, n = n.next) {
            if (n == node) {
                if (prev == null) {
                    table[slot] = n.next;
                } else {
                    prev.next = n.next;
                }
                break;
            }
        }
        if (node.before == null) {
            head = node.after;
        } else {
            node.before.after = node.after;
        }
        if (node.after == null) {
            tail = node.before;
        } else {
            node.after.before = node.before;
        }
        size--;
        modCount++;
    }

    @Override
    public void clear() {
        if (size > 0) {
            java.util.Arrays.fill(table, null);
            head = null;
            tail = null;
            size = 0;
            modCount++;
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        if (entrySet == null) {
            entrySet = new EntrySet();
        }
        return entrySet;
    }

    private static final class Node implements Map.Entry<String, Object> {
        final String key;
        final int hash;
        Object value;
        Node next;
        Node before;
        Node after;

        Node(String key, int hash, Object value) {
            this.key = key;
            this.hash = hash;
            this.value = value;
        }

        @Override
        public String getKey() {
            return key;
        }

        @Override
        public Object getValue() {
            return value;
        }

        @Override
        public Object setValue(Object value) {
            Object old = this.value;
            this.value = value;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> e && key.equals(e.getKey()) && Objects.equals(value, e.getValue());
        }

        @Override
        public int hashCode() {
            return key.hashCode() ^ Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    private final class EntrySet extends AbstractSet<Map.Entry<String, Object>> {
        @Override
        public Iterator<Map.Entry<String, Object>> iterator() {
            return new EntryIterator();
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void clear() {
            CaseInsensitiveHeaders.this.clear();
        }
    }

    private final class EntryIterator implements Iterator<Map.Entry<String, Object>> {
        private Node next = head;
        private Node last;
        private int expectedModCount = modCount;

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public Map.Entry<String, Object> next() {
            if (modCount != expectedModCount) {
                throw new ConcurrentModificationException();
            }
            if (next == null) {
                throw new NoSuchElementException();
            }
            last = next;
            next = next.after;
            return last;
        }

        @Override
        public void remove() {
            if (last == null) {
                throw new IllegalStateException();
            }
            if (modCount != expectedModCount) {
                throw new ConcurrentModificationException();
            }
            unlink(last);
            last = null;
            expectedModCount = modCount;
        }
    }
}
