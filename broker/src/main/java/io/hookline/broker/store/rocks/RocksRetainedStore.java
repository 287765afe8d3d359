package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.Message;
import io.hookline.broker.store.MemoryRetainedStore;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.util.StoreBatch;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Retained messages: read from memory (a {@link MemoryRetainedStore} loaded at open), written
 * through to the {@code retained} column in the publisher's batch. Expiry is a wall-clock
 * instant on disk: a message that expired while the broker was down is dropped (and deleted)
 * when the store opens. Thread-safe as {@link MemoryRetainedStore}; staging never blocks.
 */
public final class RocksRetainedStore implements RetainedStore {

    private final RocksStores stores;
    private final Clock clock;
    private final MemoryRetainedStore memory = new MemoryRetainedStore();

    RocksRetainedStore(RocksStores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    void load() {
        long now = clock.millis();
        Writes expired = new Writes();
        stores.store().scan(Column.RETAINED, new byte[0], (key, value) -> {
            Message m = MessageCodec.decode(value);
            if (m.isExpired(now)) {
                expired.delete(Column.RETAINED, key);
            } else {
                memory.retain(m, StoreBatch.NONE);
            }
            return true;
        });
        if (!expired.isEmpty()) {
            stores.store().write(expired);
        }
    }

    @Override
    public void retain(Message message, StoreBatch batch) {
        memory.retain(message, StoreBatch.NONE);
        byte[] key = Keys.retained(message.topic());
        if (message.payload().length == 0) {
            stores.stage(batch, w -> w.delete(Column.RETAINED, key));
        } else {
            byte[] value = stores.records().encodeMessage(message.withRetain(true));
            stores.stage(batch, w -> w.put(Column.RETAINED, key, value));
        }
    }

    @Override
    public boolean remove(String topic, StoreBatch batch) {
        stores.stage(batch, w -> w.delete(Column.RETAINED, Keys.retained(topic)));
        return memory.remove(topic, StoreBatch.NONE);
    }

    @Override
    public void matching(String filter, long nowMillis, Consumer<Message> action) {
        memory.matching(filter, nowMillis, action);
    }

    @Override
    public void forEach(Consumer<Message> action) {
        memory.forEach(action);
    }

    @Override
    public int size() {
        return memory.size();
    }
}
