package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's single writer. Any thread submits a {@link Writes}; one thread
 * ({@code hookline-store-writer}) takes every request waiting at that moment, applies them to
 * one RocksDB {@link WriteBatch} and writes it once (group commit): concurrent publishers share
 * one WAL append and, with {@link SyncPolicy#ALWAYS}, one fsync. Each request's future completes
 * after that write returned, on the writer thread: dependents must hand their work to their own
 * thread and never block it. A failed write fails every future of its group, is counted and is
 * logged; nothing is retried behind the caller's back.
 */
final class GroupCommitWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** A group stops growing at this many requests or bytes, so one write stays short. */
    private static final int MAX_GROUP_REQUESTS = 1024;

    private static final long MAX_GROUP_BYTES = 4L << 20;

    private record Pending(Writes batch, CompletableFuture<Void> done) {}

    private static final Pending STOP = new Pending(new Writes(), new CompletableFuture<>());

    private final RocksDB db;
    private final Map<Column, ColumnFamilyHandle> handles;
    private final SyncPolicy policy;
    private final long syncIntervalNanos;
    private final StoreStats stats;
    private final String where;
    private final HighWater highWater;
    // thread-safe: any thread offers, only the writer thread takes
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private boolean closed; // guarded by this

    private static final long FAILURE_LOG_EVERY_NANOS = 10_000_000_000L;

    // confined to the writer thread
    private boolean unsynced;
    private long lastFailureLogNanos;
    private long failedSinceLog;
    private long highWaterWritten;
    private long nextSyncNanos;
    // a test seam: runs on the writer thread after each group is in the WAL and before its futures
    // complete, i.e. at every point a kill -9 can leave the store in (the crash-point tests)
    private volatile Runnable afterEachGroup;

    GroupCommitWriter(
            RocksDB db,
            Map<Column, ColumnFamilyHandle> handles,
            SyncPolicy policy,
            Duration syncInterval,
            StoreStats stats,
            String where,
            HighWater highWater) {
        this.highWater = highWater;
        this.db = db;
        this.handles = handles;
        this.policy = policy;
        this.syncIntervalNanos = Math.max(1, syncInterval.toNanos());
        this.stats = stats;
        this.where = where;
        this.thread = new Thread(this::run, "hookline-store-writer");
        this.thread.setDaemon(true);
        this.nextSyncNanos = System.nanoTime() + syncIntervalNanos;
        this.thread.start();
    }

    /** Tests only: {@code check} runs after each group is written, before its futures complete (null: none). */
    void afterEachGroup(Runnable check) {
        afterEachGroup = check;
    }

    CompletableFuture<Void> submit(Writes batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (batch.isEmpty()) {
            done.complete(null);
            return done;
        }
        synchronized (this) { // against close(): nothing is queued behind the STOP marker
            if (!closed) {
                queue.add(new Pending(batch, done));
                return done;
            }
        }
        done.completeExceptionally(
                new StoreException(StoreException.Kind.CLOSED, "the store " + where + " is closed", null));
        return done;
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        try (WriteOptions async = new WriteOptions();
                WriteOptions sync = new WriteOptions().setSync(true)) {
            while (true) {
                Pending first = nextRequest();
                if (first == STOP) {
                    break;
                }
                if (first != null) {
                    group.add(first);
                    gather(group);
                    boolean stop = group.get(group.size() - 1) == STOP;
                    if (stop) {
                        group.remove(group.size() - 1);
                    }
                    boolean syncNow = policy == SyncPolicy.ALWAYS;
                    writeGroup(group, syncNow ? sync : async, syncNow);
                    group.clear();
                    if (stop) {
                        break;
                    }
                }
                if (policy == SyncPolicy.INTERVAL && unsynced && System.nanoTime() - nextSyncNanos >= 0) {
                    syncWal();
                }
            }
            // graceful close: whatever was written before close is synced too
            if (policy != SyncPolicy.NEVER && unsynced) {
                syncWal();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failRemaining();
        }
    }

    /** The next request, waiting at most until the next interval sync is due. */
    private Pending nextRequest() throws InterruptedException {
        if (policy != SyncPolicy.INTERVAL || !unsynced) {
            return queue.take();
        }
        long wait = nextSyncNanos - System.nanoTime();
        return wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
    }

    /** Adds requests already waiting, up to the group limits; the STOP marker ends the group. */
    private void gather(List<Pending> group) {
        long bytes = group.get(0).batch().bytes();
        while (group.size() < MAX_GROUP_REQUESTS && bytes < MAX_GROUP_BYTES) {
            Pending next = queue.poll();
            if (next == null) {
                return;
            }
            group.add(next);
            if (next == STOP) {
                return;
            }
            bytes += next.batch().bytes();
        }
    }

    private void writeGroup(List<Pending> group, WriteOptions options, boolean synced) {
        if (group.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        long bytes = 0;
        try (WriteBatch wb = new WriteBatch()) {
            for (Pending p : group) {
                bytes += p.batch().bytes();
                for (Writes.Op op : p.batch().ops()) {
                    ColumnFamilyHandle cf = handles.get(op.column());
                    if (op.to() != null) {
                        wb.deleteRange(cf, op.key(), op.to());
                    } else if (op.value() == null) {
                        wb.delete(cf, op.key());
                    } else {
                        wb.put(cf, op.key(), op.value());
                    }
                }
            }
            long high = highWater.value();
            if (high > highWaterWritten) {
                // with the group, so it is durable whenever the messages that raised it are
                wb.put(handles.get(Column.META), HighWater.KEY, HighWater.encode(high));
            }
            db.write(options, wb);
            highWaterWritten = Math.max(highWaterWritten, high);
        } catch (RocksDBException e) {
            StoreException failure = StoreException.ofWrite("writing to the store " + where, e);
            stats.writeFailed(group.size());
            logFailure(group.size(), failure);
            for (Pending p : group) {
                complete(p.done(), failure);
            }
            return;
        } catch (RuntimeException e) {
            // a bug, not the disk: the group still fails loudly and the writer keeps serving
            stats.writeFailed(group.size());
            log.error("store write of {} request(s) failed", group.size(), e);
            StoreException failure =
                    new StoreException(StoreException.Kind.IO, "writing to the store " + where + " failed: " + e, e);
            for (Pending p : group) {
                complete(p.done(), failure);
            }
            return;
        }
        long took = System.nanoTime() - started;
        Runnable check = afterEachGroup;
        if (check != null) {
            check.run();
        }
        stats.groupWritten(group.size(), bytes, took, synced);
        if (!synced) {
            unsynced = true;
        }
        for (Pending p : group) {
            complete(p.done(), null);
        }
    }

    // dependents run here, on the writer thread: one that throws must not stop the writer
    private static void complete(CompletableFuture<Void> done, Throwable failure) {
        try {
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        } catch (RuntimeException e) {
            log.error("a dependent of a store write failed on the writer thread", e);
        }
    }

    /** Logs a failed write; while failures go on (a full disk), one line per 10 s says how many. */
    private void logFailure(int requests, StoreException failure) {
        failedSinceLog += requests;
        long now = System.nanoTime();
        if (lastFailureLogNanos == 0 || now - lastFailureLogNanos >= FAILURE_LOG_EVERY_NANOS) {
            log.error(
                    "store write failed ({}): {} request(s) since the last such line failed: {}",
                    failure.kind(),
                    failedSinceLog,
                    failure.getMessage());
            lastFailureLogNanos = now;
            failedSinceLog = 0;
        }
    }

    private void syncWal() {
        long started = System.nanoTime();
        try {
            db.syncWal();
            unsynced = false;
            stats.synced(System.nanoTime() - started);
        } catch (RocksDBException e) {
            stats.syncFailed();
            log.error(
                    "store {}: syncing the write-ahead log failed (acknowledged writes are in the log"
                            + " but not yet on stable storage): {}",
                    where,
                    e.getMessage());
        }
        nextSyncNanos = System.nanoTime() + syncIntervalNanos;
    }

    private void failRemaining() {
        StoreException closedError = new StoreException(
                StoreException.Kind.CLOSED, "the store " + where + " closed before this write", null);
        Pending p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(closedError);
        }
    }

    /** Writes (and syncs) everything submitted before this call, then stops the thread. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
