package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.util.StoreBatch;
import java.util.concurrent.CompletionStage;

/**
 * The queue of one session, oldest first: messages waiting for room in the inflight window
 * while the client is online, or for the client to come back. A durable queue keeps its entries
 * on disk and only a small window of the oldest in memory: callers reach entries through
 * {@link #peek} and {@link #poll} only, never all at once.
 *
 * <p>Threading: not thread-safe; the owning {@code Session} guards it with its monitor, so
 * every call must be quick and never block (a durable queue refills its in-memory window ahead
 * of time, off the event loop, and stages its writes in the batch it is given).
 */
public interface MessageQueue {

    /** Appends the delivery; a durable queue writes it (QoS 1 and 2; QoS 0 may stay in memory) in {@code batch}. */
    void add(Delivery delivery, StoreBatch batch);

    /** The oldest delivery, not removed, or null when empty. */
    Delivery peek();

    /**
     * The oldest delivery, removed, or null when empty. A durable queue deletes its entry in
     * {@code batch}: the same batch that records it as in flight, when it is sent with QoS 1 or 2.
     */
    Delivery poll(StoreBatch batch);

    /**
     * Null when the oldest delivery may be sent now; else a stage that completes once it may: a
     * durable queue's entry whose own write (its publisher's batch) is not committed yet. A
     * session sends nothing before it is stored: then the entry's delete goes in the very write
     * that records it in flight, so no crash can leave it both queued and in flight (sent twice
     * after a restart), and no subscriber gets a message a crash takes back from its publisher.
     * Memory queues: always null.
     */
    default CompletionStage<Void> unstoredHead() {
        return null;
    }

    /**
     * True when the oldest delivery's own write is in {@code batch}, not committed yet: moved to
     * in flight in that same batch it is never stored as queued, and it is as durable as its
     * publisher's acknowledgement. Memory queues: false.
     */
    default boolean headWrittenIn(StoreBatch batch) {
        return false;
    }

    int size();

    boolean isEmpty();

    /** The session ended: removes every entry (from disk too) and lets the queue go; it is not used after. */
    void clear(StoreBatch batch);

    /**
     * Whether what is added survives a restart. A session with a durable queue sends every
     * message through it, online too, so a message is stored before its publisher is
     * acknowledged; with a memory queue an online session's messages go straight to its
     * connection. False for memory queues.
     */
    default boolean isDurable() {
        return false;
    }

    /**
     * Copies up to {@code max} deliveries, oldest first, from position {@code from} on (0: the
     * oldest) into {@code out}, removing nothing; returns the position after the last one
     * copied. A session moving to another node is read this way, page by page (the cluster's
     * session migration); nothing else polls the queue meanwhile (the session is offline).
     * A durable queue may read the disk here: never on an event loop.
     */
    default long copy(long from, int max, java.util.List<Delivery> out) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be copied");
    }
}
