package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's single writer. Any thread submits a {@link Writes}; one thread
 * ({@code hookline-store-writer}) takes every request waiting at that moment, encodes them as
 * one RocksDB {@link WriteBatch} ({@link GroupEncoder}: one JNI call) and writes it once (group commit): concurrent publishers share
 * one WAL append and, with {@link SyncPolicy#ALWAYS}, one fsync. Each request's future completes
 * after that write returned, on the writer thread: dependents must hand their work to their own
 * thread and never block it. A failed write fails every future of its group, is counted and is
 * logged; nothing is retried behind the caller's back.
 *
 * <p>Submitting takes no lock: requests go into a lock-free queue and wake the writer only when
 * it is parked (a lock shared by the event loops and the writer cost more than the write itself
 * at 50k requests/s). With {@link SyncPolicy#INTERVAL} a second thread
 * ({@code hookline-store-syncer}) fsyncs the WAL every interval, so writes go on during the
 * fsync instead of waiting behind it (RocksDB's {@code SyncWAL} runs beside writes).
 *
 * <p>While the store is read-only ({@link StoreHealth}: RocksDB stopped after a failed write, e.g.
 * a full disk) writes are still handed to RocksDB, which refuses them at once until it has
 * recovered, but the interval sync (the syncer thread) waits: syncing the log whose append failed would turn the
 * recoverable error into a fatal one. RocksDB's recovery flushes what was acknowledged into synced
 * table files, and the sync resumes at the first interval after it.
 */
final class GroupCommitWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** A group stops growing at this many requests or bytes, so one write stays short. */
    private static final int MAX_GROUP_REQUESTS = 1024;

    private static final long MAX_GROUP_BYTES = 4L << 20;

    private record Pending(Writes batch, CompletableFuture<Void> done) {}

    private static final Pending STOP = new Pending(new Writes(), new CompletableFuture<>());

    /**
     * Bytes submitted and not yet written above which the writer is {@link #behind}, and at or
     * below which those waiting for it to catch up resume. Writes nobody waits for (a session
     * moving messages from its queue to in flight) pause there, so a client draining a long
     * queue faster than the disk takes it cannot pile requests up in the heap.
     */
    static final long BEHIND_BYTES = 8L << 20;

    static final long CAUGHT_UP_BYTES = 2L << 20;

    private final RocksDB db;
    private final SyncPolicy policy;
    private final long syncIntervalNanos;
    private final StoreStats stats;
    private final StoreHealth health;
    private final String where;
    private final HighWater highWater;
    private final GroupEncoder encoder; // writer thread only
    private final List<Writes> groupWrites = new ArrayList<>(); // writer thread only
    // thread-safe: any thread offers, only the writer thread takes
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    // true while the writer is parked or about to park: the next submit unparks it
    private final AtomicBoolean parked = new AtomicBoolean();
    private final Thread thread;
    private final Thread syncer; // INTERVAL only, else null
    private volatile boolean closed;
    private volatile boolean finished; // the writer thread failed what was left and ended
    // groups written without sync (writer thread writes, syncer reads)
    private volatile long unsyncedGroups;
    // bytes submitted, not yet written (any thread adds, the writer subtracts)
    private final AtomicLong backlogBytes = new AtomicLong();
    // run once the backlog is at CAUGHT_UP_BYTES again (any thread adds, the writer runs them)
    private final ConcurrentLinkedQueue<Runnable> caughtUp = new ConcurrentLinkedQueue<>();

    private static final long FAILURE_LOG_EVERY_NANOS = 10_000_000_000L;

    // confined to the writer thread
    private long lastFailureLogNanos;
    private long failedSinceLog;
    private long highWaterWritten;
    private long groupsWritten;
    // a test seam: runs on the writer thread after each group is in the WAL and before its futures
    // complete, i.e. at every point a kill -9 can leave the store in (the crash-point tests)
    private volatile Runnable afterEachGroup;

    GroupCommitWriter(
            RocksDB db,
            Map<Column, ColumnFamilyHandle> handles,
            SyncPolicy policy,
            Duration syncInterval,
            StoreStats stats,
            StoreHealth health,
            String where,
            HighWater highWater) {
        this.highWater = highWater;
        this.encoder = new GroupEncoder(handles);
        this.db = db;
        this.policy = policy;
        this.syncIntervalNanos = Math.max(1, syncInterval.toNanos());
        this.stats = stats;
        this.health = health;
        this.where = where;
        this.thread = new Thread(this::run, "hookline-store-writer");
        this.thread.setDaemon(true);
        this.thread.start();
        if (policy == SyncPolicy.INTERVAL) {
            this.syncer = new Thread(this::syncEveryInterval, "hookline-store-syncer");
            this.syncer.setDaemon(true);
            this.syncer.start();
        } else {
            this.syncer = null;
        }
    }

    /** Tests only: {@code check} runs after each group is written, before its futures complete (null: none). */
    void afterEachGroup(Runnable check) {
        afterEachGroup = check;
    }

    CompletableFuture<Void> submit(Writes batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(batch, done);
        return done;
    }

    /** Completes {@code done} (on the writer thread) once {@code batch} is written, exceptionally when it failed. */
    void submit(Writes batch, CompletableFuture<Void> done) {
        if (batch.isEmpty()) {
            done.complete(null);
            return;
        }
        if (closed) {
            done.completeExceptionally(closedError("is closed"));
            return;
        }
        Pending p = new Pending(batch, done);
        backlogBytes.addAndGet(batch.bytes());
        queue.add(p);
        if (parked.get() && parked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
        // raced with close: the writer either takes it in its last sweep, or has ended and we fail it
        if (finished && queue.remove(p)) {
            done.completeExceptionally(closedError("closed before this write"));
        }
    }

    private StoreException closedError(String what) {
        return new StoreException(StoreException.Kind.CLOSED, "the store " + where + " " + what, null);
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
        } finally {
            finished = true;
            failRemaining();
            resumeWaiters(); // nobody waits for a writer that is gone
        }
    }

    /** True while more than {@link #BEHIND_BYTES} wait to be written. Any thread. */
    boolean behind() {
        return backlogBytes.get() > BEHIND_BYTES;
    }

    /**
     * Runs {@code resume} once the backlog is down to {@link #CAUGHT_UP_BYTES} (on the writer
     * thread: it must only hand work over), or at once on the caller's thread when it is already.
     */
    void whenCaughtUp(Runnable resume) {
        if (finished || backlogBytes.get() <= CAUGHT_UP_BYTES) {
            resume.run();
            return;
        }
        caughtUp.add(resume);
        // the writer may have caught up between the look above and the add: it looks at the queue after
        if (finished || backlogBytes.get() <= CAUGHT_UP_BYTES) {
            resumeWaiters();
        }
    }

    private void resumeWaiters() {
        Runnable r;
        while ((r = caughtUp.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("resuming after the store caught up failed", e);
            }
        }
    }

    // the writer thread: a group is written (or failed); those waiting for the backlog to shrink may go on
    private void written(long bytes) {
        if (backlogBytes.addAndGet(-bytes) <= CAUGHT_UP_BYTES && !caughtUp.isEmpty()) {
            resumeWaiters();
        }
    }

    /** The next request; parks until one is submitted (a spurious wake-up just looks again). */
    private Pending nextRequest() {
        while (true) {
            Pending p = queue.poll();
            if (p != null) {
                return p;
            }
            parked.set(true);
            p = queue.poll(); // a submit between the poll and the flag saw no flag: look once more
            if (p != null) {
                parked.set(false);
                return p;
            }
            LockSupport.park(this);
            parked.set(false);
        }
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
        long submitted = 0;
        for (Pending p : group) {
            submitted += p.batch().bytes();
        }
        try {
            writeAndComplete(group, options, synced);
        } finally {
            written(submitted);
        }
    }

    private void writeAndComplete(List<Pending> group, WriteOptions options, boolean synced) {
        if (group.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        long bytes = 0;
        groupWrites.clear();
        for (Pending p : group) {
            bytes += p.batch().bytes();
            groupWrites.add(p.batch());
        }
        long high = highWater.value();
        // the highest message id goes with the group, so it is durable whenever the messages that raised it are
        Writes meta =
                high > highWaterWritten ? new Writes().put(Column.META, HighWater.KEY, HighWater.encode(high)) : null;
        // one JNI call for the whole group (GroupEncoder), not one per operation
        try (WriteBatch wb = new WriteBatch(encoder.encode(groupWrites, meta))) {
            db.write(options, wb);
            highWaterWritten = Math.max(highWaterWritten, high);
        } catch (RocksDBException e) {
            StoreException failure = StoreException.ofWrite("writing to the store " + where, e);
            stats.writeFailed(group.size());
            // RocksDB's listener usually said so already, on this thread, before the write returned
            health.stopped(e.getMessage() == null ? String.valueOf(e.getStatus()) : e.getMessage());
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
        if (!health.writable()) {
            // RocksDB takes writes again: its recovery is over even if its listener has not said so yet
            health.resumed("a write succeeded");
        }
        if (!synced) {
            unsyncedGroups = ++groupsWritten;
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

    // on the syncer thread (INTERVAL): every interval, fsyncs the WAL if a group was written since
    // the last sync; at close, once the writer has ended, a last time for what it wrote
    private void syncEveryInterval() {
        long synced = 0;
        long next = System.nanoTime() + syncIntervalNanos;
        while (!finished) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue; // woken early (close) or spuriously: look at the clock and the flag again
            }
            long written = unsyncedGroups;
            if (written != synced && syncWal()) {
                synced = written; // not when skipped or failed: the next interval tries again
            }
            next = System.nanoTime() + syncIntervalNanos;
        }
        if (unsyncedGroups != synced) { // graceful close: whatever was written before close is synced too
            syncWal();
        }
    }

    // true when the WAL was synced
    private boolean syncWal() {
        if (!health.writable()) {
            // never while read-only: syncing the log whose append failed makes RocksDB's error fatal
            log.debug("store {}: WAL sync left for after the recovery ({})", where, health);
            return false;
        }
        long started = System.nanoTime();
        try {
            db.syncWal();
            stats.synced(System.nanoTime() - started);
            return true;
        } catch (RocksDBException e) {
            stats.syncFailed();
            log.error(
                    "store {}: syncing the write-ahead log failed (acknowledged writes are in the log"
                            + " but not yet on stable storage): {}",
                    where,
                    e.getMessage());
            return false;
        }
    }

    private void failRemaining() {
        StoreException closedError = closedError("closed before this write");
        Pending p;
        while ((p = queue.poll()) != null) {
            backlogBytes.addAndGet(-p.batch().bytes());
            p.done().completeExceptionally(closedError);
        }
    }

    /** Writes (and syncs) everything submitted before this call, then stops the threads. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        queue.add(STOP);
        LockSupport.unpark(thread);
        join(thread);
        if (syncer != null) {
            LockSupport.unpark(syncer);
            join(syncer);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
