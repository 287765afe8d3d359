package io.hookline.broker.routing;

/**
 * Whether this node, cut off from its cluster, refuses a client's CONNECT, PUBLISH or SUBSCRIBE
 * now ({@code allow_*_during_netsplit}; docs/cluster.md, "Netsplits"). The cluster layer
 * implements it; a connection asks it. Thread-safe and cheap: a volatile read, no network call.
 */
public interface NetsplitGate {

    /** What a client asks for. */
    enum Action {
        REGISTER,
        PUBLISH,
        SUBSCRIBE
    }

    /** Null when {@code action} is allowed now; else why not, for the log and a v5 reason string. */
    String refusal(Action action);
}
