package io.sipflow.module.events;

/**
 * Checks an event before it enters the spool. An event with a problem goes to the dead-letter file
 * with the reason returned here instead of reaching Kafka or MySQL.
 */
public final class EventValidator {

    /** Largest JSON accepted for one event (bytes); larger ones are dead-lettered. */
    public static final int MAX_EVENT_BYTES = 256 * 1024;

    private EventValidator() {
    }

    /** Null when the event is fit to deliver, else what is wrong with it. */
    public static String problem(SipFlowEvent event) {
        if (event == null) {
            return "null event";
        }
        if (blank(event.eventId())) {
            return "no event id";
        }
        if (blank(event.key())) {
            return "no record key (Call-ID / AoR / node)";
        }
        if (event instanceof CdrEvent cdr) {
            if (cdr.outcome() == null) {
                return "CDR " + cdr.cdrId() + " has no outcome (no final status)";
            }
            if (cdr.created() == null || cdr.ended() == null) {
                return "CDR " + cdr.cdrId() + " lacks created or ended time";
            }
            if (cdr.outcome() == CdrOutcome.ANSWERED && cdr.answered() == null) {
                return "answered CDR " + cdr.cdrId() + " has no answered time";
            }
            if (!cdr.cdrId().equals(CdrEvent.idFor(cdr.callId(), cdr.fromTag(), cdr.toTag(), cdr.outcome()))) {
                // the unique cdr_id is what keeps a replay out of MySQL and what Kafka consumers
                // de-duplicate on: any other id could drop another dialog's CDR or store one twice
                return "CDR " + cdr.cdrId() + " does not carry the id of its "
                        + (cdr.outcome() == CdrOutcome.ANSWERED ? "dialog (Call-ID, From tag, To tag)" : "call (Call-ID, From tag)");
            }
        } else if (event instanceof RegistrationEvent reg) {
            if (reg.event() == null || reg.time() == null) {
                return "registration event " + reg.eventId() + " lacks its kind or time";
            }
        } else if (event instanceof StatsEvent stats) {
            if (stats.time() == null) {
                return "stats event " + stats.eventId() + " has no time";
            }
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
