package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;

/**
 * The queue of one session: messages waiting for room in the inflight window while the
 * client is online, or for the client to come back. Not thread-safe: the owning
 * {@code Session} guards it.
 */
public interface MessageQueue {

    void add(Delivery delivery);

    /** The oldest delivery, removed, or null when empty. */
    Delivery poll();

    /** The oldest delivery, not removed, or null when empty. */
    Delivery peek();

    int size();

    boolean isEmpty();

    void clear();
}
