package io.sipflow.module.acc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@link DialogTracker} remembers about one call (Call-ID + From tag) during the late-answer
 * window ({@code sipflow.acc.late-answer-window}), while a 2xx may still reach the caller after
 * SipFlow's relay of the INVITE ended. Immutable; each kind lives until its deadline.
 */
sealed interface PendingCall {

    /** Epoch milliseconds from which the entry is due. */
    long deadlineMs();

    /** The call failed by SipFlow's own timeout: its CDR waits, a late 2xx overturns it. */
    record HeldFailure(CallInfo call, String toTag, int code, String reason, Instant ended, long deadlineMs)
            implements PendingCall {
    }

    /** Late 2xx answers that came before the tracker knew the call (its route was still at work). */
    record UnmatchedAnswers(List<LateAnswer> answers, long deadlineMs) implements PendingCall {

        /** With one more answer; a retransmission (a To tag already here) changes nothing. */
        UnmatchedAnswers with(LateAnswer answer) {
            for (LateAnswer known : answers) {
                if (Objects.equals(known.toTag(), answer.toTag())) {
                    return this;
                }
            }
            List<LateAnswer> more = new ArrayList<>(answers);
            more.add(answer);
            return new UnmatchedAnswers(List.copyOf(more), deadlineMs);
        }

        Set<String> toTags() {
            Set<String> tags = new HashSet<>();
            for (LateAnswer a : answers) {
                tags.add(AnsweredCall.tag(a.toTag()));
            }
            return tags;
        }
    }

    /**
     * The call is answered, by the 2xx with these To tags (one dialog each): a late 2xx with another
     * To tag (a second fork branch) makes a dialog of its own, one with a known tag is a retransmission.
     */
    record AnsweredCall(CallInfo call, Set<String> toTags, long deadlineMs) implements PendingCall {

        public AnsweredCall {
            toTags = Set.copyOf(toTags);
        }

        static AnsweredCall of(CallInfo call, Collection<String> toTags, String toTag, long deadlineMs) {
            Set<String> tags = new HashSet<>(toTags);
            tags.add(tag(toTag));
            return new AnsweredCall(call, tags, deadlineMs);
        }

        boolean knows(String toTag) {
            return toTags.contains(tag(toTag));
        }

        AnsweredCall with(String toTag) {
            return of(call, toTags, toTag, deadlineMs);
        }

        private static String tag(String toTag) {
            return toTag == null ? "" : toTag;
        }
    }
}
