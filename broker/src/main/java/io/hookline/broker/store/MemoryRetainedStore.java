package io.hookline.broker.store;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.RetainedIndex;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;

/**
 * Retained messages in memory; batches are ignored. Thread-safe: lookups run lock-free over a concurrent topic tree;
 * writes, including the removal of an expired message found by a lookup, are serialized by
 * {@code writeLock} so that removal can check the message is still the current one.
 */
public final class MemoryRetainedStore implements RetainedStore {

    private final RetainedIndex<Message> index = new RetainedIndex<>();
    private final Object writeLock = new Object();

    @Override
    public void retain(Message message, StoreBatch batch) {
        put(message);
    }

    /** {@link #retain}, returning the message now held for its topic (null after a clear): what {@link #replaceIf} expects. */
    public Message put(Message message) {
        synchronized (writeLock) {
            if (message.payload().length == 0) {
                index.remove(message.topic());
                return null;
            } else {
                Message held = message.withRetain(true);
                index.put(message.topic(), held);
                return held;
            }
        }
    }

    /**
     * Holds {@code replacement} (null: nothing) for {@code topic} if it still holds {@code expected}
     * (the same object); false when another message was retained since.
     */
    public boolean replaceIf(String topic, Message expected, Message replacement) {
        synchronized (writeLock) {
            if (index.get(topic) != expected) {
                return false;
            }
            if (replacement == null) {
                index.remove(topic);
            } else {
                index.put(topic, replacement);
            }
            return true;
        }
    }

    @Override
    public boolean remove(String topic, StoreBatch batch) {
        synchronized (writeLock) {
            return index.remove(topic) != null;
        }
    }

    /** Removes an expired message unless a publisher has replaced it since the lookup found it. */
    private void removeExpired(String topic, Message expired) {
        synchronized (writeLock) {
            if (index.get(topic) == expired) {
                index.remove(topic);
            }
        }
    }

    @Override
    public void matching(String filter, long now, Consumer<Message> action) {
        index.forEachMatching(filter, (topic, message) -> {
            if (message.isExpired(now)) {
                removeExpired(topic, message);
            } else {
                action.accept(message);
            }
        });
    }

    @Override
    public void forEach(Consumer<Message> action) {
        index.forEach((topic, message) -> action.accept(message));
    }

    @Override
    public int size() {
        return index.size();
    }
}
