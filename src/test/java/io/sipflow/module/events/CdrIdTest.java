package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The rule for {@code cdr_id} (pure logic): an answered call is one dialog and its id names Call-ID,
 * From tag and To tag, so the two answered dialogs of a forked INVITE are two CDRs that MySQL's
 * unique {@code cdr_id} both keeps; a call attempt that was not answered has one id per Call-ID and
 * From tag. Both are deterministic: a replayed CDR carries the same id and is stored once.
 */
class CdrIdTest {

    private static final Instant INVITED = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void theTwoAnsweredDialogsOfAForkHaveIdsOfTheirOwn() {
        CdrEvent first = answered("fork@pbx", "caller", "branch-a");
        CdrEvent second = answered("fork@pbx", "caller", "branch-b");
        assertThat(first.cdrId()).isNotEqualTo(second.cdrId());
        assertThat(first.cdrId()).isEqualTo(CdrEvent.cdrIdOf("fork@pbx", "caller", "branch-a"));
        assertThat(second.cdrId()).isEqualTo(CdrEvent.cdrIdOf("fork@pbx", "caller", "branch-b"));
    }

    @Test
    void theSameDialogAlwaysGetsTheSameId() {
        assertThat(answered("call@pbx", "caller", "callee").cdrId()).isEqualTo(answered("call@pbx", "caller", "callee").cdrId());
        assertThat(EventJson.read(EventJson.write(answered("call@pbx", "caller", "callee"))).get("cdr_id").asText())
                .isEqualTo(CdrEvent.cdrIdOf("call@pbx", "caller", "callee"));
    }

    @Test
    void aCallAttemptThatWasNotAnsweredHasOneIdWhateverItsToTag() {
        CdrEvent busy = failed("call@pbx", "caller", "callee", 486);
        CdrEvent timedOut = failed("call@pbx", "caller", "sf-local", 408);
        assertThat(busy.cdrId()).isEqualTo(timedOut.cdrId()).isEqualTo(CdrEvent.cdrIdOf("call@pbx", "caller"));
        assertThat(failed("call@pbx", "other-caller", "callee", 486).cdrId()).isNotEqualTo(busy.cdrId());
    }

    @Test
    void anAnsweredDialogAndAFailureOfTheSameCallIdAreTwoIds() {
        assertThat(answered("call@pbx", "caller", "callee").cdrId()).isNotEqualTo(failed("call@pbx", "caller", "callee", 486).cdrId());
    }

    @Test
    void theValidatorTakesBuiltCdrsAndRefusesOneWhoseIdIsNotItsDialogs() {
        CdrEvent built = answered("call@pbx", "caller", "callee");
        assertThat(EventValidator.problem(built)).isNull();
        assertThat(EventValidator.problem(failed("call@pbx", "caller", "callee", 480))).isNull();

        // an answered CDR with the per-call id would collide with the other dialogs of its call
        CdrEvent perCall = new CdrEvent(CdrEvent.cdrIdOf("call@pbx", "caller"), built.callId(), built.fromTag(), built.toTag(),
                built.fromUser(), built.fromDomain(), built.toUser(), built.toDomain(), built.tenant(), built.direction(),
                built.pbx(), built.sourceAddress(), built.destinationAddress(), built.method(), built.sipCode(),
                built.sipReason(), built.outcome(), built.created(), built.answered(), built.ended(), built.durationMs(),
                built.setupTimeMs(), built.hungUpBy(), built.flags(), built.schemaVersion());
        assertThat(EventValidator.problem(perCall)).contains("does not carry the id of its dialog");
    }

    private static CdrEvent answered(String callId, String fromTag, String toTag) {
        return CdrEvent.builder().callId(callId).fromTag(fromTag).toTag(toTag).from("pbx", "t.example").to("401", "t.example")
                .finalStatus(200, "OK").created(INVITED).answered(INVITED.plusSeconds(2)).ended(INVITED.plusSeconds(30))
                .hungUpBy(HangupParty.CALLER).build();
    }

    private static CdrEvent failed(String callId, String fromTag, String toTag, int code) {
        return CdrEvent.builder().callId(callId).fromTag(fromTag).toTag(toTag).from("pbx", "t.example").to("401", "t.example")
                .finalStatus(code, "Failed").created(INVITED).ended(INVITED.plusSeconds(5)).build();
    }
}
