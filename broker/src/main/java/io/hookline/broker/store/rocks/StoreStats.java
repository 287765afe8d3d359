package io.hookline.broker.store.rocks;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the write path, for {@code hookline_store_*} metrics and {@code store show}.
 * Thread-safe: written by the writer thread, read by anyone.
 */
public final class StoreStats {

    private final LongAdder requests = new LongAdder();
    private final LongAdder groups = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder writeNanos = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder syncs = new LongAdder();
    private final LongAdder syncNanos = new LongAdder();
    private final LongAdder syncErrors = new LongAdder();

    void groupWritten(int requestCount, long byteCount, long nanos, boolean synced) {
        requests.add(requestCount);
        groups.increment();
        bytes.add(byteCount);
        writeNanos.add(nanos);
        if (synced) {
            synced(nanos);
        }
    }

    void writeFailed(int requestCount) {
        writeErrors.add(requestCount);
    }

    void synced(long nanos) {
        syncs.increment();
        syncNanos.add(nanos);
    }

    void syncFailed() {
        syncErrors.increment();
    }

    /** Write requests that reached the WAL. */
    public long requests() {
        return requests.sum();
    }

    /** WAL writes: fewer than {@link #requests()} when group commit joined concurrent requests. */
    public long groups() {
        return groups.sum();
    }

    public long bytesWritten() {
        return bytes.sum();
    }

    public long writeNanos() {
        return writeNanos.sum();
    }

    /** Requests whose write failed (their futures completed exceptionally). */
    public long writeErrors() {
        return writeErrors.sum();
    }

    public long syncs() {
        return syncs.sum();
    }

    public long syncNanos() {
        return syncNanos.sum();
    }

    public long syncErrors() {
        return syncErrors.sum();
    }
}
