package io.sipflow.module.forwarding;

/** Told about every state change of a secondary registration, on the forwarding thread; must not block. */
public interface ForwardingListener {

    void onStateChange(SecondaryRegistrationRow row, ForwardingState previous);
}
