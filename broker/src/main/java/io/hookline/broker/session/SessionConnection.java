package io.hookline.broker.session;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.FlowControl;

/**
 * The network side of a session: one client connection. The protocol layer implements it;
 * the session calls it while holding the session's monitor, always on the connection's own
 * event loop except for {@link #submit} and {@link #takeOver}, which may come from any thread.
 */
public interface SessionConnection {

    /** Hands a delivery to the connection's event loop, which calls {@link Session#deliver}. */
    void submit(Session session, Delivery delivery);

    /**
     * Runs {@code task} on the connection's event loop, in a later task (never inline). Any
     * thread: the session hands a store's completion back to its connection with it. Once the
     * event loop is gone (the broker stopping) the task is dropped: the connection is closed.
     */
    void execute(Runnable task);

    /**
     * Writes a PUBLISH (not flushed). {@code packetId} is 0 for QoS 0. Event loop only. Called
     * under the session's monitor: plugin code (on_deliver) must not run inside it, but later,
     * writing the PUBLISHes in the order they were handed over.
     */
    void writePublish(int packetId, Delivery delivery, boolean dup);

    /** Writes a PUBREL (not flushed). Event loop only. */
    void writePubrel(int packetId);

    /** Asks for a flush once the current burst of writes is done. */
    void flushSoon();

    /** The outbound inflight window: min(max_inflight_messages, the client's receive maximum). */
    int inflightWindow();

    /** False while the socket's outbound buffer is above its high-water mark: new messages wait in the queue. */
    boolean writable();

    /** False when the PUBLISH would exceed the client's Maximum Packet Size (v5): it is dropped instead. */
    boolean fits(Delivery delivery);

    /** Another connection took the session: close this one (v5: DISCONNECT 0x8E). Any thread. */
    void takeOver();

    boolean inEventLoop();

    /**
     * The session stalled (its client takes nothing from the socket) and stalled_subscriber_action
     * is disconnect: close the connection (v5: DISCONNECT 0x97). Any thread. By default it is
     * closed as for a takeover.
     */
    default void disconnectStalled() {
        takeOver();
    }

    /** The connection's side of back-pressure as a publisher, or null before CONNECT is accepted. */
    default FlowControl.Throttle throttle() {
        return null;
    }

    /** The client's address, for {@code admin session show}; null when unknown. Any thread. */
    default java.net.InetSocketAddress peerAddress() {
        return null;
    }
}
