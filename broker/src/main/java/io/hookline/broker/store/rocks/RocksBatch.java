package io.hookline.broker.store.rocks;

import io.hookline.broker.util.StoreBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A batch of the durable stores: the stores stage their writes in {@link #writes()}, and
 * {@link #commit} hands them to the store's single writer as one atomic write. An empty batch
 * commits to {@link StoreBatch#DONE}, so a publish that stored nothing is acknowledged at once.
 * Filled by one thread at a time (see {@link StoreBatch}); {@link #committed()} may be read by any.
 */
final class RocksBatch implements StoreBatch {

    private final RocksStore store;
    private final Writes writes = new Writes();
    // completes when the writes are in the WAL (or failed): what a later delete of the same key waits for
    private final CompletableFuture<Void> committed = new CompletableFuture<>();
    private boolean submitted;
    // set once the writes are in the writer's queue (after the add): a batch committed after that
    // is applied after these, even when it is written in the same group
    private volatile boolean queued;
    // what else the commit's stage waits for (other cluster nodes storing their part), or null
    private CompletableFuture<Void> also;

    RocksBatch(RocksStore store) {
        this.store = store;
    }

    Writes writes() {
        return writes;
    }

    /** Completes once this batch is written (exceptionally when it failed); pending until {@link #commit}. */
    CompletableFuture<Void> committed() {
        return committed;
    }

    /**
     * True once {@link #commit} handed the writes to the writer (or there were none): any batch
     * committed from now on is applied after them. Any thread.
     */
    boolean queued() {
        return queued || committed.isDone();
    }

    @Override
    public boolean awaitAlso(CompletionStage<Void> step) {
        if (submitted) {
            throw new IllegalStateException("awaitAlso after commit");
        }
        CompletableFuture<Void> f = step.toCompletableFuture();
        also = also == null ? f : also.thenCombine(f, (x, y) -> null);
        return true;
    }

    @Override
    public CompletionStage<Void> written() {
        return committed.copy(); // callers may complete their copy; ours stays the store's
    }

    @Override
    public CompletionStage<Void> commit() {
        if (submitted) {
            throw new IllegalStateException("a batch is committed once");
        }
        submitted = true;
        if (writes.isEmpty()) {
            committed.complete(null);
            return also == null ? StoreBatch.DONE : also.copy();
        }
        // the writer completes it (and logs and counts a failure); whoever waits on the stage sees it too
        store.write(writes, committed);
        queued = true;
        // callers may complete their copy; ours stays the store's
        return also == null ? committed.copy() : committed.thenCombine(also, (x, y) -> null);
    }
}
