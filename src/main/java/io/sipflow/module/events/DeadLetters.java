package io.sipflow.module.events;

/** Where a sink puts an event it can never deliver (the spool's dead-letter file). */
@FunctionalInterface
public interface DeadLetters {

    /**
     * @param sink   which sink gave up ({@code kafka}, {@code mysql}, {@code publisher})
     * @param event  the event's JSON, or the raw spool line
     * @param reason why
     */
    void deadLetter(String sink, String event, String reason);
}
