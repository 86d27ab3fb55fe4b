package io.sipflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ZgcHeadroomCheckTest {

    private static final long GIB = 1024L * 1024 * 1024;

    @Test
    void aSoftLimitAtTheMaximumHeapGetsTheAdviceWithHalfTheHeap() {
        assertThat(ZgcHeadroomCheck.advice(4 * GIB, 4 * GIB)).hasValueSatisfying(advice -> assertThat(advice)
                .contains("4096 MiB heap").contains("-XX:SoftMaxHeapSize=2048m"));
        // a soft limit at or above the maximum heap limits nothing
        assertThat(ZgcHeadroomCheck.advice(6 * GIB, 4 * GIB)).isPresent();
    }

    @Test
    void aSoftLimitBelowTheMaximumHeapIsLeftAlone() {
        assertThat(ZgcHeadroomCheck.advice(2 * GIB, 4 * GIB)).isEmpty();
        assertThat(ZgcHeadroomCheck.advice(4 * GIB - 1, 4 * GIB)).isEmpty();
    }
}
