package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.CallIdentifier;
import org.junit.jupiter.api.Test;

class CachedCallIdTest {

    @Test
    void answersWhatJainSipsCallIdAnswersAndBuildsTheStringOnce() throws Exception {
        CachedCallId cached = new CachedCallId();
        cached.setCallId("a84b4c76e66710@pc33.atlanta.com");
        CallID plain = new CallID();
        plain.setCallId("a84b4c76e66710@pc33.atlanta.com");

        assertThat(cached.getCallId()).isEqualTo(plain.getCallId());
        assertThat(cached.getCallId()).isSameAs(cached.getCallId());
        assertThat(cached.encode()).isEqualTo(plain.encode());
        assertThat(cached).isEqualTo(plain);
        assertThat(plain).isEqualTo(cached);
    }

    @Test
    void aNewValueReplacesTheKeptOne() throws Exception {
        CachedCallId cached = new CachedCallId();
        cached.setCallId("first@host");
        assertThat(cached.getCallId()).isEqualTo("first@host");

        cached.setCallId("second@host");
        assertThat(cached.getCallId()).isEqualTo("second@host");

        cached.setCallIdentifier(new CallIdentifier("third", "elsewhere"));
        assertThat(cached.getCallId()).isEqualTo("third@elsewhere");
    }

    @Test
    void aCloneKeepsTheValueAndChangesAlone() throws Exception {
        CachedCallId cached = new CachedCallId();
        cached.setCallId("call-1@host");
        assertThat(cached.getCallId()).isEqualTo("call-1@host");

        CachedCallId clone = (CachedCallId) cached.clone();
        assertThat(clone.getCallId()).isEqualTo("call-1@host");
        clone.setCallId("call-2@host");
        assertThat(clone.getCallId()).isEqualTo("call-2@host");
        assertThat(cached.getCallId()).isEqualTo("call-1@host");
    }
}
