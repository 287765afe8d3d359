package io.hookline.broker.store;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.RetainedIndex;

import java.util.function.Consumer;

/** Retained messages in memory. Thread-safe: a concurrent topic tree. */
public final class MemoryRetainedStore implements RetainedStore {

    private final RetainedIndex<Message> index = new RetainedIndex<>();

    @Override
    public void retain(Message message) {
        if (message.payload().length == 0) {
            index.remove(message.topic());
        } else {
            index.put(message.topic(), message.withRetain(true));
        }
    }

    @Override
    public boolean remove(String topic) {
        return index.remove(topic) != null;
    }

    @Override
    public void matching(String filter, Consumer<Message> action) {
        long now = System.nanoTime();
        index.forEachMatching(filter, (topic, message) -> {
            if (message.isExpired(now)) {
                index.remove(topic);
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
