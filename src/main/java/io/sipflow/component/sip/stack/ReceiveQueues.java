package io.sipflow.component.sip.stack;

/** The queues received datagrams wait in before a SIP thread takes them (what the overload guard watches). */
interface ReceiveQueues {

    /** Milliseconds the oldest waiting datagram has waited (0 when nothing waits). */
    long oldestWaitMillis();

    /** Drops, unread, the datagrams that have waited longer than this; returns how many. */
    int dropOlderThan(long maxWaitMillis);
}
