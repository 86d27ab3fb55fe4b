package io.sipflow.module.acc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.module.events.CallDirection;
import io.sipflow.module.events.CdrEvent;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.HangupParty;
import io.sipflow.module.events.SipFlowEvent;
import io.sipflow.module.stats.DialogMeters;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The late-answer logic of {@link DialogTracker} on a hand-driven clock: a failure that was
 * SipFlow's own timeout waits for the window, a late 2xx (before or after the tracker learns the
 * failure) turns the call into an answered dialog, and every call still gives exactly one CDR with
 * consistent meters.
 */
class DialogTrackerLateAnswerTest {

    private static final String TENANT = "late.example";
    private static final Duration WINDOW = Duration.ofSeconds(32);
    private static final Instant INVITED = Instant.parse("2025-01-01T10:00:00Z");
    private static final Instant TIMED_OUT = INVITED.plusSeconds(5);

    private final List<CdrEvent> cdrs = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DialogMeters meters = new DialogMeters(registry);
    private final DialogTracker tracker = new DialogTracker(this::record, meters, Duration.ofHours(12), WINDOW);
    private final CallInfo call = new CallInfo("call-1@pbx", "caller-tag", "pbx", TENANT, "401", TENANT, TENANT,
            CallDirection.PBX_TO_ENDPOINT, "sip:10.0.0.1:5060", "10.0.0.1:5060", "sip:10.0.0.2:5062", INVITED);

    DialogTrackerLateAnswerTest() {
        meters.active(TENANT); // the tenant's meters exist from the start
    }

    private void record(SipFlowEvent event) {
        cdrs.add((CdrEvent) event);
    }

    @Test
    void aTimeoutIsHeldForTheWindowThenPublishedWithItsOwnTimestamps() {
        tracker.timedOut(call, "sf-local", 408, "Request Timeout", TIMED_OUT);
        tracker.closeExpired(TIMED_OUT.plus(WINDOW).minusMillis(1));
        assertThat(cdrs).isEmpty();
        assertThat(failed()).isZero();

        tracker.closeExpired(TIMED_OUT.plus(WINDOW));
        assertThat(cdrs).hasSize(1);
        CdrEvent cdr = cdrs.get(0);
        assertThat(cdr.outcome()).isEqualTo(CdrOutcome.MISSED);
        assertThat(cdr.sipCode()).isEqualTo(408);
        assertThat(cdr.created()).isEqualTo("2025-01-01T10:00:00.000Z");
        assertThat(cdr.ended()).isEqualTo("2025-01-01T10:00:05.000Z");
        assertThat(failed()).isEqualTo(1);

        tracker.closeExpired(TIMED_OUT.plus(WINDOW).plusSeconds(60));
        assertThat(cdrs).hasSize(1);
    }

    @Test
    void aLateAnswerWithinTheWindowMakesTheCallAnsweredAndItsByeTheOnlyCdr() {
        tracker.timedOut(call, "sf-local", 408, "Request Timeout", TIMED_OUT);
        Instant answeredAt = TIMED_OUT.plusMillis(300);
        tracker.lateAnswer(answer("callee-tag", answeredAt));
        tracker.lateAnswer(answer("callee-tag", answeredAt.plusMillis(500))); // a retransmission of that 2xx
        assertThat(cdrs).isEmpty();
        assertThat(meters.active(TENANT)).isEqualTo(1);

        tracker.closeExpired(TIMED_OUT.plus(WINDOW).plusSeconds(1));
        assertThat(cdrs).as("the held failure was dropped").isEmpty();

        Instant byeAt = answeredAt.plusSeconds(40);
        assertThat(tracker.bye(call.callId(), "callee-tag", "caller-tag", byeAt)).isTrue();
        assertThat(cdrs).hasSize(1);
        CdrEvent cdr = cdrs.get(0);
        assertThat(cdr.outcome()).isEqualTo(CdrOutcome.ANSWERED);
        assertThat(cdr.sipCode()).isEqualTo(200);
        assertThat(cdr.toTag()).isEqualTo("callee-tag");
        assertThat(cdr.answered()).isEqualTo("2025-01-01T10:00:05.300Z");
        assertThat(cdr.durationMs()).isEqualTo(40_000);
        assertThat(cdr.setupTimeMs()).isEqualTo(5_300);
        assertThat(cdr.destinationAddress()).isEqualTo("10.0.0.2:5062");
        assertThat(cdr.hungUpBy()).isEqualTo(HangupParty.CALLEE);
        assertThat(failed()).isZero();
        assertThat(meters.active(TENANT)).isZero();
        assertThat(processed()).isEqualTo(1);
    }

    @Test
    void aLateAnswerBeforeTheTrackerLearnsTheTimeoutOverturnsItToo() {
        Instant answeredAt = TIMED_OUT.minusMillis(5); // the route was still at work (a failover, a slow step)
        tracker.lateAnswer(answer("callee-tag", answeredAt));
        tracker.timedOut(call, "sf-local", 408, "Request Timeout", TIMED_OUT);
        tracker.closeExpired(TIMED_OUT.plus(WINDOW).plusSeconds(1));
        assertThat(cdrs).isEmpty();

        assertThat(tracker.bye(call.callId(), "caller-tag", "callee-tag", answeredAt.plusSeconds(10))).isTrue();
        assertThat(cdrs).singleElement().satisfies(cdr -> {
            assertThat(cdr.outcome()).isEqualTo(CdrOutcome.ANSWERED);
            assertThat(cdr.hungUpBy()).isEqualTo(HangupParty.CALLER);
        });
        assertThat(failed()).isZero();
    }

    @Test
    void anyFailureAfterALateAnswerOfTheSameCallIsOverturned() {
        Instant answeredAt = TIMED_OUT.minusMillis(5); // the first hop timed out, answered while the next was tried
        tracker.lateAnswer(answer("callee-tag", answeredAt));
        tracker.notAnswered(call, "sf-local", 503, "Service Unavailable", TIMED_OUT);
        assertThat(cdrs).isEmpty();
        assertThat(tracker.activeDialogs()).isEqualTo(1);
        assertThat(failed()).isZero();
    }

    @Test
    void otherFailuresArePublishedAtOnceAsBefore() {
        tracker.notAnswered(call, "callee-tag", 486, "Busy Here", TIMED_OUT);
        assertThat(cdrs).singleElement().satisfies(cdr -> assertThat(cdr.outcome()).isEqualTo(CdrOutcome.FAILED));
        assertThat(failed()).isEqualTo(1);
    }

    @Test
    void aSecondBranchAnsweringLateIsADialogOfItsOwn() {
        Instant answeredAt = INVITED.plusSeconds(2);
        tracker.answered(call, "branch-a", 200, "OK", answeredAt);
        tracker.lateAnswer(answer("branch-a", answeredAt.plusMillis(500))); // a retransmission: nothing new
        tracker.lateAnswer(answer("branch-b", answeredAt.plusMillis(20)));
        assertThat(tracker.activeDialogs()).isEqualTo(2);
        assertThat(meters.active(TENANT)).isEqualTo(2);

        assertThat(tracker.bye(call.callId(), "caller-tag", "branch-b", answeredAt.plusSeconds(1))).isTrue();
        assertThat(tracker.bye(call.callId(), "caller-tag", "branch-a", answeredAt.plusSeconds(30))).isTrue();
        assertThat(cdrs).extracting(CdrEvent::toTag).containsExactly("branch-b", "branch-a");
        assertThat(cdrs).allSatisfy(cdr -> assertThat(cdr.outcome()).isEqualTo(CdrOutcome.ANSWERED));
        // two dialogs, two CDRs of their own: MySQL's unique cdr_id keeps both
        assertThat(cdrs.get(0).cdrId()).isNotEqualTo(cdrs.get(1).cdrId());
    }

    @Test
    void aSecondBranchAnsweringLateBeforeTheRouteLearnsTheFirstIsADialogOfItsOwnToo() {
        Instant answeredAt = INVITED.plusSeconds(2);
        tracker.lateAnswer(answer("branch-b", answeredAt));
        tracker.lateAnswer(answer("branch-a", answeredAt)); // the winner's 2xx, reported before the route saw it
        tracker.answered(call, "branch-a", 200, "OK", answeredAt);
        assertThat(tracker.activeDialogs()).isEqualTo(2);
        assertThat(meters.active(TENANT)).isEqualTo(2);
    }

    @Test
    void aLateAnswerForNoKnownCallIsLetGoWhenTheWindowEnds() {
        tracker.lateAnswer(answer("callee-tag", TIMED_OUT));
        tracker.closeExpired(TIMED_OUT.plus(WINDOW));
        tracker.timedOut(call, "sf-local", 408, "Request Timeout", TIMED_OUT.plus(WINDOW).plusSeconds(1));
        tracker.closeExpired(TIMED_OUT.plus(WINDOW).plus(WINDOW).plusSeconds(1));
        assertThat(cdrs).singleElement().satisfies(cdr -> assertThat(cdr.outcome()).isEqualTo(CdrOutcome.MISSED));
        assertThat(tracker.activeDialogs()).isZero();
    }

    @Test
    void heldFailuresArePublishedOnShutdown() {
        tracker.timedOut(call, "sf-local", 408, "Request Timeout", TIMED_OUT);
        assertThat(tracker.publishHeldFailures()).isEqualTo(1);
        assertThat(cdrs).singleElement().satisfies(cdr -> assertThat(cdr.ended()).isEqualTo("2025-01-01T10:00:05.000Z"));
        assertThat(tracker.publishHeldFailures()).isZero();
        tracker.closeExpired(TIMED_OUT.plus(WINDOW).plusSeconds(1));
        assertThat(cdrs).hasSize(1);
        assertThat(failed()).isEqualTo(1);
    }

    private LateAnswer answer(String toTag, Instant at) {
        return new LateAnswer(call.callId(), call.fromTag(), toTag, 200, "OK", "10.0.0.2:5062", at);
    }

    private long failed() {
        return (long) registry.get("failed_dialogs").tag("tenant", TENANT).counter().count();
    }

    private long processed() {
        return (long) registry.get("processed_dialogs").tag("tenant", TENANT).counter().count();
    }
}
