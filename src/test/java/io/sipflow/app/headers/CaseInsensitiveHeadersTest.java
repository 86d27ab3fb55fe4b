package io.sipflow.app.headers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.util.CaseInsensitiveMap;
import org.junit.jupiter.api.Test;

class CaseInsensitiveHeadersTest {

    @Test
    void namesMatchInAnyCaseAndTheFirstSpellingIsKept() {
        var headers = new CaseInsensitiveHeaders();
        assertNull(headers.put("CamelSipMethod", "REGISTER"));
        assertEquals("REGISTER", headers.get("camelsipmethod"));
        assertEquals("REGISTER", headers.get("CAMELSIPMETHOD"));
        assertTrue(headers.containsKey("camelSipMethod"));

        assertEquals("REGISTER", headers.put("CAMELSIPMETHOD", "INVITE"));
        assertEquals(1, headers.size());
        assertEquals(List.of("CamelSipMethod"), new ArrayList<>(headers.keySet()));
        assertEquals("INVITE", headers.get("CamelSipMethod"));

        assertEquals("INVITE", headers.remove("camelsipMETHOD"));
        assertTrue(headers.isEmpty());
        assertNull(headers.get("CamelSipMethod"));
    }

    @Test
    void nullAndNonStringKeysAreAbsentAndNullNamesAreRefused() {
        var headers = new CaseInsensitiveHeaders();
        headers.put("a", 1);
        assertNull(headers.get(null));
        assertNull(headers.get(42));
        assertFalse(headers.containsKey(null));
        assertNull(headers.remove(null));
        assertThrows(NullPointerException.class, () -> headers.put(null, 1));
        headers.put("nothing", null);
        assertTrue(headers.containsKey("NOTHING"));
        assertNull(headers.get("NOTHING"));
    }

    @Test
    void nonAsciiNamesFollowEqualsIgnoreCase() {
        var headers = new CaseInsensitiveHeaders();
        headers.put("Ärger", 1);
        headers.put("straße", 2);
        assertEquals(1, headers.get("äRGER"));
        assertEquals(2, headers.get("STRAßE"));
        assertNull(headers.get("strasse"));
        assertEquals(2, headers.size());
    }


    @Test
    void aRememberedFoldBelongsToItsNameInstanceOnly() {
        String name = "CamelSipToUser";
        int fold = CaseInsensitiveHeaders.fold(name);
        assertEquals(fold, CaseInsensitiveHeaders.foldedHash(name));
        assertEquals(fold, CaseInsensitiveHeaders.foldedHash(name)); // remembered
        assertEquals(fold, CaseInsensitiveHeaders.foldedHash(new String(name)));
        assertEquals(fold, CaseInsensitiveHeaders.foldedHash("CAMELSIPTOUSER"));
        // "Aa" and "BB" share String.hashCode, hence a memo slot, but not their fold
        assertEquals("Aa".hashCode(), "BB".hashCode());
        for (int round = 0; round < 3; round++) {
            assertEquals(CaseInsensitiveHeaders.fold("aa"), CaseInsensitiveHeaders.foldedHash("Aa"));
            assertEquals(CaseInsensitiveHeaders.fold("bb"), CaseInsensitiveHeaders.foldedHash("BB"));
        }
        var headers = new CaseInsensitiveHeaders();
        headers.put("Aa", 1);
        headers.put("BB", 2);
        assertEquals(1, headers.get("aA"));
        assertEquals(2, headers.get("bb"));
        String longName = "X-Long-".repeat(20); // never remembered, folded each time
        assertEquals(CaseInsensitiveHeaders.fold(longName.toLowerCase()), CaseInsensitiveHeaders.foldedHash(longName));
    }
    @Test
    void iterationIsInInsertionOrderAndTheIteratorRemoves() {
        var headers = new CaseInsensitiveHeaders();
        for (int i = 0; i < 100; i++) {
            headers.put("H" + i, i);
        }
        Iterator<Map.Entry<String, Object>> it = headers.entrySet().iterator();
        int expected = 0;
        while (it.hasNext()) {
            Map.Entry<String, Object> e = it.next();
            assertEquals("H" + expected, e.getKey());
            if (expected % 2 == 0) {
                it.remove();
            } else {
                e.setValue(-expected);
            }
            expected++;
        }
        assertEquals(100, expected);
        assertEquals(50, headers.size());
        assertNull(headers.get("h0"));
        assertEquals(-1, headers.get("h1"));
        headers.keySet().removeIf(k -> k.endsWith("9")); // H9, H19 ... H99
        assertEquals(40, headers.size());
        assertFalse(headers.containsKey("H99"));
        headers.values().removeIf(v -> ((Integer) v) < -90); // H91, H93, H95, H97
        assertEquals(36, headers.size());
        assertEquals("H1", headers.keySet().iterator().next());
    }

    @Test
    void aChangeDuringIterationIsReported() {
        var headers = new CaseInsensitiveHeaders(Map.of("a", 1, "b", 2));
        Iterator<String> it = headers.keySet().iterator();
        it.next();
        headers.put("c", 3);
        assertThrows(ConcurrentModificationException.class, it::next);
        Iterator<String> again = headers.keySet().iterator();
        assertThrows(IllegalStateException.class, again::remove);
    }

    @Test
    void equalsAndHashCodeAreAMapsAndCopiesAreIndependent() {
        var headers = new CaseInsensitiveHeaders();
        headers.put("X-A", "1");
        headers.put("X-B", 2);
        assertEquals(Map.of("X-A", "1", "X-B", 2), headers);
        assertEquals(Map.of("X-A", "1", "X-B", 2).hashCode(), headers.hashCode());

        var copy = new HashedHeadersMapFactory().newMap(headers);
        copy.put("x-a", "changed");
        assertEquals("1", headers.get("X-A"));
        assertEquals("changed", copy.get("X-A"));
        headers.clear();
        assertTrue(headers.isEmpty());
        assertFalse(headers.entrySet().iterator().hasNext());
        assertEquals(2, copy.size());
    }

    /** The same random operations on this map and on Camel's tree-based one give the same answers. */
    @Test
    void behavesLikeCamelsCaseInsensitiveMapUnderRandomOperations() {
        Random random = new Random(7);
        String[] names = new String[60];
        for (int i = 0; i < names.length; i++) {
            names[i] = "CamelSip" + (char) ('A' + i % 26) + "x" + i;
        }
        var ours = new CaseInsensitiveHeaders();
        var camels = new CaseInsensitiveMap();
        for (int op = 0; op < 200_000; op++) {
            String name = randomCase(names[random.nextInt(names.length)], random);
            switch (random.nextInt(5)) {
                case 0, 1 -> assertEquals(camels.put(name, op), ours.put(name, op), name);
                case 2 -> assertEquals(camels.remove(name), ours.remove(name), name);
                case 3 -> assertEquals(camels.containsKey(name), ours.containsKey(name), name);
                default -> assertEquals(camels.get(name), ours.get(name), name);
            }
            assertEquals(camels.size(), ours.size());
        }
        // same spellings kept (the tree iterates sorted, this map in insertion order)
        assertEquals(new TreeMap<>(camels), new TreeMap<>(ours));
    }

    private static String randomCase(String name, Random random) {
        char[] chars = name.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = random.nextBoolean() ? Character.toUpperCase(chars[i]) : Character.toLowerCase(chars[i]);
        }
        return new String(chars);
    }

    @Test
    void aCamelContextOnTheClassPathUsesTheHashedMaps() throws Exception {
        try (var context = new DefaultCamelContext()) {
            context.start();
            assertInstanceOf(HashedHeadersMapFactory.class, context.getCamelContextExtension().getHeadersMapFactory());
            Exchange exchange = new DefaultExchange(context);
            exchange.getIn().setHeader("CamelSipMethod", "OPTIONS");
            assertEquals("OPTIONS", exchange.getIn().getHeader("camelsipmethod"));
            assertInstanceOf(CaseInsensitiveHeaders.class, exchange.getIn().getHeaders());
            Exchange copy = exchange.copy();
            assertInstanceOf(CaseInsensitiveHeaders.class, copy.getIn().getHeaders());
            assertEquals("OPTIONS", copy.getIn().getHeader("CAMELSIPMETHOD"));
        }
    }
}
