package io.hookline.broker.session;

import io.hookline.broker.routing.Delivery;

/**
 * An outgoing QoS 1/2 message awaiting its acknowledgement. {@code released} is true once a
 * QoS 2 message got PUBREC and we sent PUBREL (then PUBREL, not PUBLISH, is what a reconnect
 * resends). Guarded by the owning session.
 */
final class Inflight {
    final int packetId;
    final Delivery delivery;
    boolean released;
    // the PUBREL stage is stored (at once for a session that stores nothing): only then may a
    // PUBREL be resent (retry, resume). Set by the store's writer thread: volatile.
    volatile boolean releaseStored;
    boolean unwritten; // its PUBLISH waits for its in-flight record to be stored (HeldPublishes)
    long sentAtMillis; // wall clock, for retry_interval
    Inflight prev; // send order, kept by InflightWindow
    Inflight next;

    Inflight(int packetId, Delivery delivery, long sentAtMillis) {
        this.packetId = packetId;
        this.delivery = delivery;
        this.sentAtMillis = sentAtMillis;
    }
}
