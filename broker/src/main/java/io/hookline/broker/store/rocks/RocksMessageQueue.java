package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent session's queue on disk ({@code queues} column, key subscriber + sequence), with
 * only a window of the oldest entries in memory: a million queued messages are a million
 * records on disk and at most {@link #WINDOW} objects here.
 *
 * <p>QoS 1/2 deliveries are written in the batch they are added in (the publisher's: its
 * acknowledgement waits for them). A QoS 0 delivery stays in memory while it fits in the
 * window and is written only when the queue spills to disk. Polling deletes the entry in the
 * poller's batch; if the entry's own write is not committed yet, the delete waits for it, so
 * a delete can never land before the write it undoes. A session sends an entry only once it is
 * committed ({@link #unstoredHead}): the delete of a sent entry always goes in the poller's batch,
 * the one that records it in flight; only drops (the offline bounds) poll unwritten entries.
 *
 * <p>Threading: the owning session calls under its monitor; this object's monitor guards the
 * state against the writer thread's commit callbacks and the reader thread. Lock order:
 * session, then queue; the reader reads the disk without the monitor. Once the window is half
 * empty the next part is read ahead on the store's reader thread; only if the window runs
 * empty before that arrives is it read on the caller's thread (at most {@link #WINDOW} records,
 * one iterator seek).
 */
final class RocksMessageQueue implements MessageQueue {

    private static final Logger log = LoggerFactory.getLogger(RocksMessageQueue.class);

    /** Entries kept in memory at most (plus spilled ones whose write is not committed yet). */
    static final int WINDOW = 128;

    /**
     * One queued delivery; {@code committed} is the write's future, null when not written;
     * {@code batch} the batch that writes it, null when it was read from disk.
     */
    private record Entry(
            long seq,
            Delivery delivery,
            CompletableFuture<Void> committed,
            RocksBatch batch,
            byte[] encoded,
            byte[] key,
            int op) {
        Entry(long seq, Delivery delivery, CompletableFuture<Void> committed, RocksBatch batch, byte[] encoded) {
            this(seq, delivery, committed, batch, encoded, null, -1);
        }
    }

    private final RocksStores stores;
    private final SubscriberId id;
    private final byte[] prefix; // Keys.subscriber(id), made once: every key of this queue starts with it

    // guarded by this
    private final ArrayDeque<Entry> window = new ArrayDeque<>();
    private final TreeMap<Long, Entry> unflushedSpill = new TreeMap<>(); // spilled, write not yet committed
    private long nextSeq;
    private long spillFrom = -1; // lowest sequence not in the window; -1 when the window holds everything
    private int size;
    private boolean prefetching;
    private boolean cleared; // the session ended; kept until the clear is written
    private int syncRefills; // windows read on the caller's thread: the prefetch was late
    private Entry lastPolled; // its encoding is reused for the in-flight record written right after the poll

    RocksMessageQueue(RocksStores stores, SubscriberId id) {
        this.stores = stores;
        this.id = id;
        this.prefix = Keys.subscriber(id);
    }

    /** The prefix of this session's keys ({@link Keys#subscriber}). */
    byte[] prefix() {
        return prefix;
    }

    /**
     * The stored encoding of {@code delivery} when it is the entry polled last (the one the
     * session is now putting in flight), else null. Caller holds the session's monitor.
     */
    synchronized byte[] encodedIfPolledLast(Delivery delivery) {
        Entry e = lastPolled;
        lastPolled = null;
        return e != null && e.delivery() == delivery ? e.encoded() : null;
    }

    /** Recovery: counts what the disk holds and loads the first window. */
    synchronized void load() {
        window.addAll(readFromDisk(0));
        // the rest is only counted: keys, no values (a million-message queue restores in a fraction of a second)
        long[] last = {-1};
        int[] count = {0};
        stores.store().scanKeys(Column.QUEUES, prefix, key -> {
            long seq = Keys.sequenceOf(key);
            if (count[0] == WINDOW) {
                spillFrom = seq;
            }
            count[0]++;
            last[0] = seq;
            return true;
        });
        size = Math.max(count[0], window.size()); // nothing writes this queue while it loads: equal
        nextSeq = last[0] + 1;
    }

    @Override
    public synchronized void add(Delivery delivery, StoreBatch batch) {
        RocksBatch target = batch instanceof RocksBatch rb ? rb : null;
        RocksBatch own = null;
        if (target == null) { // not expected: a durable queue is always given a durable batch
            own = stores.batch();
            target = own;
        }
        long seq = nextSeq++;
        size++;
        if (spillFrom < 0 && window.size() < WINDOW) {
            CompletableFuture<Void> committed = null;
            RocksBatch writtenIn = null;
            byte[] encoded = null;
            byte[] key = null;
            int op = -1;
            if (delivery.qos() > 0) {
                encoded = stores.records().encodeDelivery(delivery);
                key = Keys.queued(prefix, seq);
                op = target.writes().nextIndex();
                target.writes().put(Column.QUEUES, key, encoded);
                committed = target.committed();
                writtenIn = target;
            }
            window.addLast(new Entry(seq, delivery, committed, writtenIn, encoded, key, op));
        } else {
            if (spillFrom < 0) {
                spillFrom = seq;
            }
            // only the disk will hold it: written whatever its QoS; kept here until the write is in
            byte[] encoded = stores.records().encodeDelivery(delivery);
            target.writes().put(Column.QUEUES, Keys.queued(prefix, seq), encoded);
            Entry entry = new Entry(seq, delivery, target.committed(), target, encoded);
            unflushedSpill.put(seq, entry);
            target.committed().thenRun(() -> flushed(seq));
        }
        if (own != null) {
            own.commit();
        }
    }

    private synchronized void flushed(long seq) {
        unflushedSpill.remove(seq);
    }

    // caller holds the monitor: refills the window if it is empty and drops the entries at its head
    // whose write failed: their publish was refused (a full disk), so they are never delivered
    private void skipToHead() {
        while (true) {
            if (window.isEmpty()) {
                refill();
            }
            Entry e = window.peekFirst();
            if (e == null || e.committed() == null || !e.committed().isCompletedExceptionally()) {
                return;
            }
            window.pollFirst();
            size--;
        }
    }

    @Override
    public synchronized Delivery peek() {
        skipToHead();
        Entry e = window.peekFirst();
        return e == null ? null : e.delivery();
    }

    @Override
    public synchronized CompletionStage<Void> unstoredHead() {
        skipToHead(); // a failed entry is dropped here, so the one behind it is what the answer is about
        Entry e = window.peekFirst();
        return e == null || e.committed() == null || e.committed().isDone() ? null : e.committed();
    }

    @Override
    public synchronized boolean headWrittenIn(StoreBatch batch) {
        skipToHead();
        Entry e = window.peekFirst();
        return e != null
                && e.batch() != null
                && e.batch() == batch
                && !e.batch().queued();
    }

    @Override
    public synchronized Delivery poll(StoreBatch batch) {
        skipToHead();
        Entry e = window.pollFirst();
        if (e == null) {
            return null;
        }
        size--;
        lastPolled = e;
        if (e.committed() != null) {
            delete(e, batch);
        }
        prefetchIfLow();
        return e.delivery();
    }

    // The entry's delete goes in the poller's batch once its own write is queued at the writer
    // (committed or not: the writer applies batches in the order they were committed, so the
    // poller's comes after it; a delete after a failed write removes nothing), or when both are
    // the same batch (applied in order). Only a write not yet handed to the writer (its
    // publisher is still routing) makes the delete wait for it, as a write of its own.
    private void delete(Entry e, StoreBatch batch) {
        byte[] key = Keys.queued(prefix, e.seq());
        CompletableFuture<Void> written = e.committed();
        boolean inOrder = written.isDone()
                || (e.batch() != null && (e.batch() == batch || e.batch().queued()));
        if (e.batch() == batch && e.key() != null && !e.batch().queued()) {
            // put and delete in one batch not yet committed: the put is taken back, nothing is written
            e.batch().writes().cancelPut(e.op(), e.key());
        } else if (!inOrder) {
            written.thenRun(() -> stores.store().write(new Writes().delete(Column.QUEUES, key)));
        } else if (written.isDone() && written.isCompletedExceptionally()) {
            return; // never written: nothing to delete
        } else if (batch instanceof RocksBatch rb) {
            rb.writes().delete(Column.QUEUES, key);
        } else {
            stores.store().write(new Writes().delete(Column.QUEUES, key));
        }
    }

    // caller holds the monitor: the window is empty; loads the next one now, on the caller's thread
    // (the prefetch below normally got there first), with every spilled entry not yet written
    private void refill() {
        if (spillFrom < 0) {
            return;
        }
        syncRefills++;
        List<Entry> read = readFromDisk(spillFrom);
        // under the monitor no write completes meanwhile: unwritten entries fill up to the end
        merge(
                read,
                read.size() < WINDOW
                        ? Long.MAX_VALUE
                        : read.get(read.size() - 1).seq());
        if (window.isEmpty() && size > 0) {
            log.error("queue of {}: {} entries counted but none found from sequence {}", id, size, spillFrom);
        }
    }

    // caller holds the monitor: once the window is half empty, the next part is read on the store's
    // reader thread, so that an event loop draining a long queue does not wait for the disk
    private void prefetchIfLow() {
        if (spillFrom < 0 || prefetching || window.size() > WINDOW / 2) {
            return;
        }
        prefetching = true;
        long from = spillFrom;
        stores.reader().execute(() -> readAhead(from));
    }

    // on the reader thread
    private void readAhead(long from) {
        {
            List<Entry> read;
            try {
                read = readFromDisk(from);
            } catch (RuntimeException e) {
                log.error("queue of {}: reading ahead from sequence {} failed", id, from, e);
                synchronized (this) {
                    prefetching = false;
                }
                return;
            }
            synchronized (this) {
                prefetching = false;
                if (spillFrom == from && !read.isEmpty()) {
                    // a write may have completed since the read: only unwritten entries below what was read
                    merge(read, read.get(read.size() - 1).seq());
                }
            }
        }
    }

    /** Up to {@link #WINDOW} entries from disk, from sequence {@code from} on; any thread, no monitor needed. */
    private List<Entry> readFromDisk(long from) {
        List<Entry> read = new ArrayList<>();
        stores.store().scanFrom(Column.QUEUES, prefix, Keys.queued(prefix, from), (key, value) -> {
            long seq = Keys.sequenceOf(key);
            read.add(new Entry(seq, stores.records().decodeDelivery(value), DONE, null, value));
            return read.size() < WINDOW;
        });
        return read;
    }

    // caller holds the monitor: appends the entries read (and the unwritten spilled ones up to
    // {@code bound}) to the window, in order, and moves spillFrom past them
    private void merge(List<Entry> read, long bound) {
        TreeMap<Long, Entry> next = new TreeMap<>();
        for (Entry e : read) {
            next.put(e.seq(), e);
        }
        for (Map.Entry<Long, Entry> u : unflushedSpill.headMap(bound, true).entrySet()) {
            if (u.getKey() >= spillFrom) {
                next.put(u.getKey(), u.getValue());
            }
        }
        int room = Math.max(0, WINDOW - window.size());
        long last = -1;
        for (Entry e : next.values()) {
            if (room-- == 0) {
                break;
            }
            window.addLast(e);
            unflushedSpill.remove(e.seq());
            last = e.seq();
        }
        if (window.size() >= size) {
            spillFrom = -1;
        } else if (last >= 0) {
            spillFrom = last + 1;
        }
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    synchronized int syncRefills() {
        return syncRefills;
    }

    /** Deliveries held in memory (the window and spilled ones not yet written): bounded, whatever the size. */
    synchronized int inMemory() {
        return window.size() + unflushedSpill.size();
    }

    @Override
    public synchronized int size() {
        return size;
    }

    @Override
    public synchronized boolean isEmpty() {
        return size == 0;
    }

    /**
     * The session ended: every entry goes (from disk too, in {@code batch}). The object stays
     * with the store, empty, until that batch is written: a session made again for the same id
     * meanwhile (a clean start) gets it back rather than a queue loaded from a disk that still
     * holds the old entries; the sequence goes on, so the old keys' late deletes never hit a new
     * entry.
     */
    @Override
    public synchronized void clear(StoreBatch batch) {
        byte[] prefix = Keys.subscriber(id);
        CompletableFuture<Void> written;
        if (batch instanceof RocksBatch rb) {
            rb.writes().deleteRange(Column.QUEUES, prefix, Keys.end(prefix));
            written = rb.committed();
        } else {
            written = stores.store().write(new Writes().deleteRange(Column.QUEUES, prefix, Keys.end(prefix)));
        }
        // writes still on their way would land after the range delete: undo each once it is in
        for (Entry e : window) {
            if (e.committed() != null && !e.committed().isDone()) {
                e.committed()
                        .thenRun(() ->
                                stores.store().write(new Writes().delete(Column.QUEUES, Keys.queued(id, e.seq()))));
            }
        }
        for (Entry e : unflushedSpill.values()) {
            e.committed()
                    .thenRun(() -> stores.store().write(new Writes().delete(Column.QUEUES, Keys.queued(id, e.seq()))));
        }
        window.clear();
        unflushedSpill.clear();
        size = 0;
        spillFrom = -1;
        cleared = true;
        stores.cleared(id, this, written);
    }

    /** Made again for a new session of the same id before the clear was written. */
    synchronized void reopen() {
        cleared = false;
    }

    synchronized boolean isCleared() {
        return cleared;
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    /**
     * Positions are sequence numbers. The window is read under the monitor, the rest from disk
     * without it (with the spilled entries whose write is not committed yet), as a refill does.
     */
    @Override
    public long copy(long from, int max, List<Delivery> out) {
        long limit = (long) out.size() + max; // out may hold earlier pages: max counts this call's only
        long diskFrom;
        TreeMap<Long, Entry> unwritten;
        synchronized (this) {
            for (Entry e : window) {
                if (e.seq() < from || e.committed() != null && e.committed().isCompletedExceptionally()) {
                    continue;
                }
                if (out.size() >= limit) {
                    return e.seq();
                }
                out.add(e.delivery());
                from = e.seq() + 1;
            }
            if (spillFrom < 0) {
                return Math.max(from, nextSeq);
            }
            diskFrom = Math.max(from, spillFrom);
            unwritten = new TreeMap<>(unflushedSpill.tailMap(diskFrom, true));
        }
        List<Entry> read = readFromDisk(diskFrom);
        // a full read may stop short of the unwritten ones: only those below where it stopped
        long bound = read.size() < WINDOW
                ? Long.MAX_VALUE
                : read.get(read.size() - 1).seq();
        TreeMap<Long, Entry> next = new TreeMap<>(unwritten.headMap(bound, true));
        for (Entry e : read) {
            next.putIfAbsent(e.seq(), e);
        }
        long position = diskFrom;
        for (Entry e : next.values()) {
            if (out.size() >= limit) {
                return e.seq();
            }
            out.add(e.delivery());
            position = e.seq() + 1;
        }
        return position;
    }
}
