package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.Message;
import io.hookline.broker.store.MemoryRetainedStore;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.util.StoreBatch;
import java.time.Clock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages: read from memory (a {@link MemoryRetainedStore} loaded at open), written
 * through to the {@code retained} column in the publisher's batch. Expiry is a wall-clock
 * instant on disk: a message that expired while the broker was down is dropped (and deleted)
 * when the store opens. Thread-safe as {@link MemoryRetainedStore}; staging never blocks. A
 * retained message whose write failed (its publish was refused, e.g. for a full disk) is taken
 * back out of memory, which then holds again what the disk holds, unless another message was
 * retained on the topic since.
 */
public final class RocksRetainedStore implements RetainedStore {

    private static final Logger log = LoggerFactory.getLogger(RocksRetainedStore.class);

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
        Message held = memory.put(message);
        byte[] key = Keys.retained(message.topic());
        if (message.payload().length == 0) {
            stores.stage(batch, w -> w.delete(Column.RETAINED, key));
        } else {
            byte[] value = stores.records().encodeMessage(message.withRetain(true));
            stores.stage(batch, w -> w.put(Column.RETAINED, key, value));
            if (batch instanceof RocksBatch rb) {
                // on the writer thread; every earlier write is done by then, so the disk holds the truth
                rb.committed().whenComplete((v, error) -> {
                    if (error != null) {
                        undo(message.topic(), key, held);
                    }
                });
            }
        }
    }

    private void undo(String topic, byte[] key, Message held) {
        try {
            byte[] stored = stores.store().get(Column.RETAINED, key);
            memory.replaceIf(topic, held, stored == null ? null : MessageCodec.decode(stored));
        } catch (RuntimeException e) {
            log.error(
                    "retained message on '{}' was not stored, and reading what the store holds instead failed;"
                            + " memory keeps the unstored one until a restart",
                    topic,
                    e);
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
