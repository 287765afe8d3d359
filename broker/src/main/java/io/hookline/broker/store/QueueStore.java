package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;

/**
 * Makes the queue of each session.
 *
 * <p>Threading: any thread; called by the registry when it makes a session (under its
 * per-subscriber-id lock: must not block) and at recovery (before listeners open).
 */
public interface QueueStore {

    /**
     * The queue of the session {@code id}: for a persistent session, the one it had (a
     * durable store's entries from disk, with a window in memory), or a new one; for a session
     * that ends with its connection ({@code persistent} false), always a new memory queue, so
     * clean sessions never touch the disk.
     */
    MessageQueue open(SubscriberId id, boolean persistent);
}
