package io.hookline.broker.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Store writes that become durable together: every mutating store method takes the batch its
 * write belongs to, and {@link #commit} makes them durable as one atomic write. The effects of
 * one QoS 1/2 PUBLISH (the retained update, a copy queued for every persistent subscriber, the
 * inbound QoS 2 packet id) go into one batch, and the PUBACK/PUBREC waits on its commit.
 *
 * <p>A mutation is applied to the store's in-memory view at once (a queue's {@code peek} sees
 * an {@code add} before the commit); only its durability waits for {@link #commit}.
 *
 * <p>Memory stores use {@link #NONE}: nothing to write, {@link #commit} returns the completed
 * {@link #DONE} constant, so the publish path allocates nothing and waits on nothing.
 *
 * <p>Threading: a batch is filled by one thread at a time (the thread that began it, possibly
 * while holding a session monitor: staging must not block). {@link #commit} never blocks: a
 * durable implementation writes on its own thread and completes the stage there; callers
 * hand the completion back to their event loop. A commit no client's acknowledgement waits on
 * (the subscriber side: a message moving from the queue to in-flight, whose PUBLISH waits for it)
 * is logged by the implementation when it fails; failures are never swallowed.
 */
public interface StoreBatch {

    /** The completed stage: a commit with nothing to make durable. Compare by identity for the fast path. */
    CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    /** The batch of stores that keep nothing on disk. */
    StoreBatch NONE = new StoreBatch() {
        @Override
        public CompletionStage<Void> commit() {
            return DONE;
        }

        @Override
        public String toString() {
            return "StoreBatch.NONE";
        }
    };

    /**
     * Makes the stage {@link #commit} returns complete only once {@code step} has too (and fail
     * when it fails): a part of the same publish made durable elsewhere, another cluster node
     * storing its copies (docs/cluster.md). Called before {@link #commit}, by the thread filling
     * the batch. Returns false when this batch cannot wait ({@link #NONE}, shared by every
     * memory-store publish, where nothing is durable anyway): then nothing waits for {@code step}.
     */
    default boolean awaitAlso(CompletionStage<Void> step) {
        return false;
    }

    /**
     * A stage that completes as {@link #commit}'s does, available before the commit (a session
     * that stages its own writes in a publisher's batch waits on it). Only reads it: completing it
     * changes nothing. {@link #DONE} for batches that store nothing.
     */
    default CompletionStage<Void> written() {
        return DONE;
    }

    /**
     * Makes every write of the batch durable, atomically (all or none). Completes normally once
     * they are (as the sync policy defines it), exceptionally when they could not be written;
     * then none of them is. Call once.
     */
    CompletionStage<Void> commit();
}
