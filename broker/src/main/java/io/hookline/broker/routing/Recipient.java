package io.hookline.broker.routing;

import io.hookline.api.hook.input.Client;
import io.hookline.broker.util.StoreBatch;

/**
 * Where the router hands a message: a local session, online or not, or (in a cluster) another
 * node. Back-pressure is part of the contract ({@link #isCongested}, {@link #queuedBytes},
 * {@link #clientThrottle}), so the router and {@link FlowControl} never need to know which
 * kind a recipient is. Implementations are thread-safe.
 */
public interface Recipient {

    boolean isOnline();

    /**
     * Who receives, as plugins' read checks see a client ({@link ReadGate}), or null when the
     * recipient is no local client (then no check is asked here). Called only while a read
     * check is installed.
     */
    default Client reader() {
        return null;
    }

    /**
     * True when messages are delivered at the subscription's QoS even if published at a lower one
     * (auth_on_register's upgrade_qos, upgrade_outgoing_qos). Read on every route where the
     * subscription's QoS is above the message's: keep it a plain field read.
     */
    default boolean upgradesQos() {
        return false;
    }

    /**
     * Takes the delivery: sends it, queues it, or drops it (counted) when its queue is full.
     * A recipient that stores it (a persistent session) stages the write in {@code batch}, the
     * publish's batch, whose commit the publisher's acknowledgement waits on.
     * Returns true when the recipient is congested (above its queue high-water mark): the
     * publisher should slow down.
     */
    boolean offer(Delivery delivery, StoreBatch batch);

    /** Whether the recipient is above its queue high-water mark now. */
    default boolean isCongested() {
        return false;
    }

    /** Approximate bytes waiting to be sent to the recipient. */
    default long queuedBytes() {
        return 0;
    }

    /**
     * The publishing side of this recipient's own client on this broker, or null (offline, or
     * not a local client). A publisher never waits on a recipient whose client waits itself:
     * that could close a cycle ({@link FlowControl}).
     */
    default FlowControl.Throttle clientThrottle() {
        return null;
    }
}
