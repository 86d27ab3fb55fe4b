package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {

    private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Test
    void sameTextAsTheFormatterAcrossSecondsDaysAndYears() {
        long[] edges = {0, 1, 999, 1000, 1001, 59_999, 60_000, 86_399_999, 86_400_000, 1_798_761_599_999L,
            1_798_761_600_000L, 1_779_580_521_042L, -1, -1000, -1001, 951_782_400_000L /* 2000-02-29 */,
            253_402_300_799_999L /* 9999-12-31T23:59:59.999 */, 253_402_300_800_000L /* year 10000 */,
            -62_167_219_200_000L /* 0000-01-01 */, -62_167_219_200_001L};
        for (long millis : edges) {
            assertThat(Timestamps.ofMillis(millis)).as("%d ms", millis).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(millis)));
        }
        SplittableRandom random = new SplittableRandom(7);
        long t = 1_779_580_521_042L;
        for (int i = 0; i < 100_000; i++) {
            // mostly close together, now and then a jump back or ahead
            t += random.nextInt(10) == 0 ? random.nextLong(-3_000_000_000L, 3_000_000_000L) : random.nextInt(400);
            assertThat(Timestamps.ofMillis(t)).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(t)));
        }
        assertThat(Timestamps.format(Instant.ofEpochMilli(1_779_580_521_042L))).isEqualTo("2026-05-23T23:55:21.042Z");
        assertThat(Timestamps.format(null)).isNull();
    }
}
