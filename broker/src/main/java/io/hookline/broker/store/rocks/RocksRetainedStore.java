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
 * retained on the topic since; so is a clear (an empty retained payload, {@code retain delete})
 * whose write failed, unless the topic changed since.
 */
public final class RocksRetainedStore implements RetainedStore {

    private static final Logger log = LoggerFactory.getLogger(RocksRetainedStore.class);

    private final RocksStores stores;
    private final Clock clock;
    private final MemoryRetainedStore memory = new MemoryRetainedStore();
    // topic -> the latest clear whose write is not done yet (guarded by this): its failure
    // restores what the disk holds only if nothing changed the topic since
    private final java.util.Map<String, Object> pendingClears = new java.util.HashMap<>();

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
        byte[] key = Keys.retained(message.topic());
        if (message.payload().length == 0) {
            clear(message.topic(), key, batch);
            return;
        }
        Message held;
        synchronized (this) {
            held = memory.put(message);
            pendingClears.remove(message.topic()); // retained since: an earlier clear's failure changes nothing
        }
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

    /**
     * Clears the topic in memory at once and on disk in {@code batch}. If that write fails (the
     * publish or {@code retain delete} was refused: a full disk) and nothing was retained or
     * cleared on the topic since, memory takes back what the disk still holds: a refused clear
     * must not leave subscribers without a retained message that a restart would bring back.
     */
    private boolean clear(String topic, byte[] key, StoreBatch batch) {
        Object token = new Object();
        boolean had;
        synchronized (this) {
            had = memory.remove(topic, StoreBatch.NONE);
            pendingClears.put(topic, token);
        }
        if (batch instanceof RocksBatch rb) {
            rb.writes().delete(Column.RETAINED, key);
            rb.committed().whenComplete((v, error) -> cleared(topic, key, token, error));
        } else {
            stores.store()
                    .write(new Writes().delete(Column.RETAINED, key))
                    .whenComplete((v, error) -> cleared(topic, key, token, error));
        }
        return had;
    }

    // on the writer thread, once a clear's write is done (every earlier write is too)
    private void cleared(String topic, byte[] key, Object token, Throwable error) {
        synchronized (this) {
            if (!pendingClears.remove(topic, token) || error == null) {
                return; // stored, or the topic changed since: memory is right
            }
            try {
                byte[] stored = stores.store().get(Column.RETAINED, key);
                if (stored != null) {
                    memory.replaceIf(topic, null, MessageCodec.decode(stored));
                }
            } catch (RuntimeException e) {
                log.error(
                        "clearing the retained message on '{}' was not stored, and reading what the store holds"
                                + " instead failed; memory stays cleared until a restart",
                        topic,
                        e);
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
        return clear(topic, Keys.retained(topic), batch);
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
