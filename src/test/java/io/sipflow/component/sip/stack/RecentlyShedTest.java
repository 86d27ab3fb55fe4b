package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The memory that gives a shed request's retransmissions the same 503. */
class RecentlyShedTest {

    @Test
    void rememberedTransactionIsKnownFor32SecondsOnly() {
        RecentlyShed memory = new RecentlyShed(16);
        memory.remember("z9hg4bk-a", 0);
        assertThat(memory.contains("z9hg4bk-a", 1)).isTrue();
        assertThat(memory.contains("z9hg4bk-b", 1)).isFalse();
        assertThat(memory.contains("z9hg4bk-a", RecentlyShed.TTL_NANOS - 1)).isTrue();
        assertThat(memory.contains("z9hg4bk-a", RecentlyShed.TTL_NANOS)).isFalse();
    }

    @Test
    void aFullMemoryForgetsOlderEntriesInsteadOfGrowing() {
        RecentlyShed memory = new RecentlyShed(4);
        for (int i = 0; i < 1000; i++) {
            memory.remember("branch-" + i, i);
        }
        assertThat(memory.contains("branch-999", 1000)).isTrue();
        int remembered = 0;
        for (int i = 0; i < 1000; i++) {
            remembered += memory.contains("branch-" + i, 1000) ? 1 : 0;
        }
        assertThat(remembered).isLessThanOrEqualTo(4);
    }
}
