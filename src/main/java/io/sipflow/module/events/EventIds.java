package io.sipflow.module.events;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random event ids (version 4 UUIDs) from {@link ThreadLocalRandom}: unique enough for event
 * de-duplication, and without the lock of {@link UUID#randomUUID()}'s shared SecureRandom, which SIP
 * threads publishing registration events would contend on.
 */
public final class EventIds {

    private EventIds() {
    }

    public static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long lsb = (r.nextLong() & ~(3L << 62)) | (2L << 62); // IETF variant
        return new UUID(msb, lsb).toString();
    }
}
