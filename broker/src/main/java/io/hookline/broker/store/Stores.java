package io.hookline.broker.store;

import io.hookline.broker.util.StoreBatch;

/**
 * Every store the broker keeps its state in, from one backend: memory ({@link MemoryStores},
 * nothing survives the process) or durable. The broker makes one from its config, runs
 * recovery from it before any listener opens, and hands it to the session registry and the
 * publish path; no session makes its own storage.
 *
 * <p>Threading: the getters and {@link #batch} are thread-safe and cheap (the memory backend
 * returns {@link StoreBatch#NONE}). Each store documents its own contract. {@link #close} is
 * called once, after every listener closed.
 */
public interface Stores extends AutoCloseable {

    SessionStore sessions();

    SubscriptionStore subscriptions();

    QueueStore queues();

    InflightStore inflight();

    InboundQos2Store inbound();

    RetainedStore retained();

    /** A new batch of writes ({@link StoreBatch}); the memory backend's is the shared {@link StoreBatch#NONE}. */
    StoreBatch batch();

    /**
     * True while a durable store's writer is far behind what was submitted to it. Writes nobody
     * waits for (a session moving messages from its queue to in flight) pause then, so that the
     * requests waiting in the heap stay bounded; publishers are bounded by waiting for their
     * acknowledgements already. Memory stores never are. Any thread, cheap.
     */
    default boolean writesBehind() {
        return false;
    }

    /**
     * Runs {@code resume} once the writer has caught up (at once when it is not behind), on the
     * store's writer thread or the caller's: it must only hand work to its own thread.
     */
    default void whenWritesCaughtUp(Runnable resume) {
        resume.run();
    }

    /**
     * The highest message id the store holds (0 when none): the broker's id generator starts
     * above it, so ids stay unique across restarts.
     */
    long highestMessageId();

    @Override
    void close();
}
