package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session queues in memory. A persistent session's queue is kept by subscriber id until the
 * session ends, so that opening it again (recovery on the same stores, as tests do) finds
 * what it held; a clean session's is just a new queue. Thread-safe: a concurrent map.
 */
public final class MemoryQueueStore implements QueueStore {

    private final ConcurrentHashMap<SubscriberId, MemoryMessageQueue> persistent = new ConcurrentHashMap<>();

    @Override
    public MessageQueue open(SubscriberId id, boolean persistentSession) {
        if (!persistentSession) {
            return new MemoryMessageQueue();
        }
        return persistent.computeIfAbsent(id, key -> new MemoryMessageQueue(() -> persistent.remove(key)));
    }

    /** How many persistent sessions' queues are kept. */
    public int size() {
        return persistent.size();
    }
}
