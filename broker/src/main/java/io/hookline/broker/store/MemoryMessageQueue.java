package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayDeque;

/**
 * A session queue in memory; batches are ignored (nothing to make durable). Not thread-safe:
 * guarded by its session. The deque is made on the first message: most sessions never queue
 * one, and an empty ArrayDeque holds 16 slots.
 */
public final class MemoryMessageQueue implements MessageQueue {

    private ArrayDeque<Delivery> deque;
    private final Runnable onClear; // lets the store forget the queue of an ended session

    public MemoryMessageQueue() {
        this(null);
    }

    MemoryMessageQueue(Runnable onClear) {
        this.onClear = onClear;
    }

    @Override
    public void add(Delivery delivery, StoreBatch batch) {
        if (deque == null) {
            deque = new ArrayDeque<>();
        }
        deque.addLast(delivery);
    }

    @Override
    public Delivery poll(StoreBatch batch) {
        return deque == null ? null : deque.pollFirst();
    }

    @Override
    public Delivery peek() {
        return deque == null ? null : deque.peekFirst();
    }

    @Override
    public int size() {
        return deque == null ? 0 : deque.size();
    }

    @Override
    public boolean isEmpty() {
        return deque == null || deque.isEmpty();
    }

    @Override
    public void clear(StoreBatch batch) {
        if (deque != null) {
            deque.clear();
        }
        if (onClear != null) {
            onClear.run();
        }
    }

    @Override
    public long copy(long from, int max, java.util.List<Delivery> out) {
        if (deque == null) {
            return from;
        }
        long position = 0;
        for (Delivery d : deque) { // positions from the head: nothing polls an offline session's queue
            if (position >= from) {
                if (max-- <= 0) {
                    return position;
                }
                out.add(d);
            }
            position++;
        }
        return position;
    }
}
