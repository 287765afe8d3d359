package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;

import java.util.ArrayDeque;

/** A session queue in memory. Not thread-safe: guarded by its session. */
public final class MemoryMessageQueue implements MessageQueue {

    private final ArrayDeque<Delivery> deque = new ArrayDeque<>();

    @Override
    public void add(Delivery delivery) {
        deque.addLast(delivery);
    }

    @Override
    public Delivery poll() {
        return deque.pollFirst();
    }

    @Override
    public Delivery peek() {
        return deque.peekFirst();
    }

    @Override
    public int size() {
        return deque.size();
    }

    @Override
    public boolean isEmpty() {
        return deque.isEmpty();
    }

    @Override
    public void clear() {
        deque.clear();
    }
}
