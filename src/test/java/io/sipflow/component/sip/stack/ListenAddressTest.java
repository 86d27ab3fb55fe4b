package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void parsesTransportsHostsAndPortsIncludingBracketedIpv6() {
        assertThat(ListenAddress.parseList("udp:0.0.0.0:5060, tcp:[::1]:5070", "k"))
                .containsExactly(new ListenAddress("udp", "0.0.0.0", 5060), new ListenAddress("tcp", "::1", 5070));
    }

    @Test
    void rejectsUnknownTransportNamingTheProperty() {
        assertThatThrownBy(() -> ListenAddress.parseList("sctp:1.2.3.4:5060", "sipflow.sip.listen"))
                .hasMessageContaining("sipflow.sip.listen").hasMessageContaining("udp or tcp");
    }

    @Test
    void rejectsBadPortAndEmptyValue() {
        assertThatThrownBy(() -> ListenAddress.parseList("udp:1.2.3.4:70000", "k")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> ListenAddress.parseList(" ", "k")).hasMessageContaining("empty");
    }
}
