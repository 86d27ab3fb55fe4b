package io.sipflow.component.sip.proxy;

/** Where the proxy core hands received requests: the routes' consumers. */
public interface RequestRoutes {

    /**
     * Hands a request to the route for its kind.
     *
     * @return false when no route consumes this kind of request (the core answers 503)
     */
    boolean route(ServerTransactionContext context, boolean inDialog);
}
