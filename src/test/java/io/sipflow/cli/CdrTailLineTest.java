package io.sipflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.module.events.CdrEvent;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.HangupParty;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code sipflow cdr tail}'s line (pure logic): the two answered dialogs of a forked call are told apart. */
class CdrTailLineTest {

    private static final Instant INVITED = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void anAnsweredCdrNamesItsDialogsToTag() {
        String a = CdrCommand.line(EventJson.write(answered("branch-a")));
        String b = CdrCommand.line(EventJson.write(answered("branch-b")));
        assertThat(a).endsWith(" call-id=fork@pbx to-tag=branch-a");
        assertThat(b).endsWith(" call-id=fork@pbx to-tag=branch-b");
    }

    @Test
    void aCallAttemptThatWasNotAnsweredEndsWithItsCallId() {
        String line = CdrCommand.line(EventJson.write(CdrEvent.builder().callId("busy@pbx").fromTag("caller").toTag("callee")
                .finalStatus(486, "Busy Here").created(INVITED).ended(INVITED.plusSeconds(3)).build()));
        assertThat(line).endsWith(" call-id=busy@pbx");
    }

    private static CdrEvent answered(String toTag) {
        return CdrEvent.builder().callId("fork@pbx").fromTag("caller").toTag(toTag).finalStatus(200, "OK").created(INVITED)
                .answered(INVITED.plusSeconds(1)).ended(INVITED.plusSeconds(9)).hungUpBy(HangupParty.CALLER).build();
    }
}
