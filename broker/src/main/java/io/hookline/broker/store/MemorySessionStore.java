package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Session records in memory (persistent sessions only: one map entry each, written on connect,
 * disconnect and expiry changes, never per message). Thread-safe: a concurrent map.
 */
public final class MemorySessionStore implements SessionStore {

    private final ConcurrentHashMap<SubscriberId, SessionRecord> records = new ConcurrentHashMap<>();

    @Override
    public void put(SessionRecord record, StoreBatch batch) {
        records.put(record.id(), record);
    }

    @Override
    public void remove(SubscriberId id, StoreBatch batch) {
        records.remove(id);
    }

    @Override
    public void forEach(Consumer<SessionRecord> action) {
        records.values().forEach(action);
    }

    /** The record of {@code id}, or null. */
    public SessionRecord get(SubscriberId id) {
        return records.get(id);
    }

    public int size() {
        return records.size();
    }
}
