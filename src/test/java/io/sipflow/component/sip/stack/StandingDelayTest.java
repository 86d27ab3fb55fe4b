package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The standing delay is the minimum over the window: bursts do not count, a queue that never empties does. */
class StandingDelayTest {

    @Test
    void minimumOverTheLastSamples() {
        StandingDelay delay = new StandingDelay(3);
        assertThat(delay.add(50)).as("window not full yet").isZero();
        assertThat(delay.add(70)).isZero();
        assertThat(delay.add(60)).isEqualTo(50);
        assertThat(delay.add(80)).isEqualTo(60);
        assertThat(delay.add(0)).isZero();
        assertThat(delay.add(90)).isZero();
        assertThat(delay.add(90)).isZero();
        assertThat(delay.add(90)).isEqualTo(90);
    }
}
