package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.SstFileManager;
import org.rocksdb.Status;
import org.rocksdb.TablePropertiesCollectorFactory;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: one RocksDB database under {@code data_dir/store} with a column family per
 * kind of state ({@link Column}). Reads run on the caller's thread (RocksDB reads are
 * thread-safe); every write goes through the single {@link GroupCommitWriter}, never an event loop.
 *
 * <p>Opening refuses, with a message naming the path and the way out, a store that another
 * process holds ({@code LOCK}), that is damaged or unreadable, or whose layout is newer than
 * this broker's: a broker never starts silently empty over state it could not read.
 */
public final class RocksStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RocksStore.class);

    /** Layout of keys and records; a store written with a higher one is refused. */
    public static final int LAYOUT_VERSION = 1;

    static final byte[] LAYOUT_KEY = "layout".getBytes(StandardCharsets.UTF_8);

    /** The documented way out of a damaged store, named in every such error. */
    public static final String REPAIR_COMMAND = "bin/broker --repair-store";

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final ColumnFamilyOptions queueOptions;
    private final SstFileManager sstFiles;
    private final CompactionClock compactions;
    private final AbstractEventListener healthListener;
    private final List<ColumnFamilyHandle> allHandles;
    private final Map<Column, ColumnFamilyHandle> handles;
    private final StoreStats stats;
    private final StoreHealth health;
    private final GroupCommitWriter writer;
    private final HighWater highWater;
    private boolean closed; // guarded by this
    // Reads hold the read lock; close takes the write lock to close the database, so a read never
    // reaches a closed RocksDB handle (native code on freed memory: a SIGSEGV that kills the JVM,
    // e.g. an admin 'store show' racing a shutdown) and a read after close fails with CLOSED.
    private final java.util.concurrent.locks.ReentrantReadWriteLock guard =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean dbClosed; // guarded by guard

    private RocksStore(
            Path dir,
            RocksDB db,
            DBOptions dbOptions,
            ColumnFamilyOptions cfOptions,
            ColumnFamilyOptions queueOptions,
            SstFileManager sstFiles,
            CompactionClock compactions,
            AbstractEventListener healthListener,
            StoreHealth health,
            StoreStats stats,
            List<ColumnFamilyHandle> allHandles,
            Map<Column, ColumnFamilyHandle> handles,
            SyncPolicy sync,
            Duration syncInterval) {
        this.dir = dir;
        this.db = db;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.queueOptions = queueOptions;
        this.sstFiles = sstFiles;
        this.compactions = compactions;
        this.healthListener = healthListener;
        this.health = health;
        this.stats = stats;
        this.allHandles = allHandles;
        this.handles = handles;
        this.highWater = new HighWater(readHighWater(db, handles.get(Column.META), dir));
        this.writer = new GroupCommitWriter(db, handles, sync, syncInterval, stats, health, dir.toString(), highWater);
    }

    /**
     * Opens (or creates, when {@code dir} is missing or empty) the store.
     *
     * @throws StoreException LOCKED when another process holds it, DAMAGED when it cannot be read
     */
    public static RocksStore open(Path dir, SyncPolicy sync, Duration syncInterval) {
        RocksDB.loadLibrary();
        Path abs = dir.toAbsolutePath().normalize();
        boolean fresh = isFresh(abs);
        DBOptions dbOptions = null;
        ColumnFamilyOptions cfOptions = null;
        ColumnFamilyOptions queueOptions = null;
        SstFileManager sstFiles = null;
        CompactionClock compactions = null;
        StoreStats stats = new StoreStats();
        StoreHealth health = new StoreHealth(abs.toString(), stats, Clock.systemUTC());
        AbstractEventListener healthListener = null;
        List<ColumnFamilyHandle> allHandles = new ArrayList<>();
        RocksDB db = null;
        try {
            Files.createDirectories(abs);
            // the SST file manager lets RocksDB recover by itself from a full disk once space is back;
            // the health listener follows that (read-only, writable again) for the writer and the log
            sstFiles = new SstFileManager(Env.getDefault());
            compactions = new CompactionClock();
            healthListener = health.listener();
            dbOptions = new DBOptions()
                    .setListeners(List.of(compactions, healthListener))
                    .setCreateIfMissing(fresh)
                    .setCreateMissingColumnFamilies(true)
                    .setParanoidChecks(true)
                    .setSstFileManager(sstFiles)
                    .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                    .setKeepLogFileNum(5)
                    .setMaxTotalWalSize(256L << 20);
            cfOptions = new ColumnFamilyOptions().setWriteBufferSize(32L << 20);
            queueOptions = queueOptions();
            List<ColumnFamilyDescriptor> descriptors = descriptors(abs, fresh, cfOptions, queueOptions);
            db = RocksDB.open(dbOptions, abs.toString(), descriptors, allHandles);
            Map<Column, ColumnFamilyHandle> handles = new EnumMap<>(Column.class);
            for (int i = 0; i < descriptors.size(); i++) {
                String name = new String(descriptors.get(i).getName(), StandardCharsets.UTF_8);
                for (Column c : Column.values()) {
                    if (c.familyName().equals(name)) {
                        handles.put(c, allHandles.get(i));
                    }
                }
            }
            checkLayout(db, handles.get(Column.META), abs, fresh);
            return new RocksStore(
                    abs,
                    db,
                    dbOptions,
                    cfOptions,
                    queueOptions,
                    sstFiles,
                    compactions,
                    healthListener,
                    health,
                    stats,
                    allHandles,
                    handles,
                    sync,
                    syncInterval);
        } catch (RocksDBException e) {
            closeQuietly(allHandles, db, dbOptions, cfOptions, queueOptions, sstFiles, compactions, healthListener);
            throw openFailure(abs, e);
        } catch (IOException e) {
            closeQuietly(allHandles, db, dbOptions, cfOptions, queueOptions, sstFiles, compactions, healthListener);
            throw damaged(abs, "cannot create or read the directory (" + e + ")", e);
        } catch (StoreException e) {
            closeQuietly(allHandles, db, dbOptions, cfOptions, queueOptions, sstFiles, compactions, healthListener);
            throw e;
        }
    }

    /**
     * The queue and in-flight columns are queues: every record is written once and deleted soon
     * after, so their table files fill with tombstones that every seek (a queue's window, the
     * leftovers sweep at open) has to step over. A table file whose records are mostly deletes
     * is marked for compaction as soon as it is written, which drops the tombstones with what
     * they delete.
     */
    private static ColumnFamilyOptions queueOptions() {
        // RocksJava sets collector factories on Options only; the column options copy them
        try (TablePropertiesCollectorFactory deletions =
                        TablePropertiesCollectorFactory.NewCompactOnDeletionCollectorFactory(16_384, 8_192, 0.5);
                Options options = new Options()) {
            options.setWriteBufferSize(32L << 20);
            options.setTablePropertiesCollectorFactory(List.of(deletions));
            return new ColumnFamilyOptions(options);
        }
    }

    /** True when there is nothing at {@code dir} yet: only then may RocksDB create a new database. */
    private static boolean isFresh(Path dir) {
        if (!Files.isDirectory(dir)) {
            return !Files.exists(dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw damaged(dir, "cannot list the directory (" + e + ")", e);
        }
    }

    private static List<ColumnFamilyDescriptor> descriptors(
            Path dir, boolean fresh, ColumnFamilyOptions cfOptions, ColumnFamilyOptions queueOptions)
            throws RocksDBException {
        List<byte[]> names = new ArrayList<>();
        if (!fresh) {
            try (Options options = new Options()) {
                names.addAll(RocksDB.listColumnFamilies(options, dir.toString()));
            }
        }
        for (Column c : Column.values()) {
            if (names.stream().noneMatch(n -> new String(n, StandardCharsets.UTF_8).equals(c.familyName()))) {
                names.add(c.nameBytes());
            }
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] name : names) {
            String family = new String(name, StandardCharsets.UTF_8);
            boolean queue = family.equals(Column.QUEUES.familyName()) || family.equals(Column.INFLIGHT.familyName());
            descriptors.add(new ColumnFamilyDescriptor(name, queue ? queueOptions : cfOptions));
        }
        return descriptors;
    }

    private static void checkLayout(RocksDB db, ColumnFamilyHandle meta, Path dir, boolean fresh)
            throws RocksDBException {
        byte[] layout = db.get(meta, LAYOUT_KEY);
        if (layout == null) {
            if (!fresh && db.getLatestSequenceNumber() > 0) {
                throw damaged(dir, "it holds data but no layout version", null);
            }
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                db.put(meta, sync, LAYOUT_KEY, new byte[] {LAYOUT_VERSION});
            }
        } else if (layout.length != 1 || layout[0] != LAYOUT_VERSION) {
            int found = layout.length == 1 ? layout[0] : -1;
            throw new StoreException(
                    StoreException.Kind.DAMAGED,
                    "the store " + dir + " has layout version "
                            + found + "; this broker reads version " + LAYOUT_VERSION
                            + " (was it written by a newer broker?). Start the broker version that wrote it, or move "
                            + dir + " away to start with an empty store.",
                    null);
        }
    }

    static StoreException openFailure(Path dir, RocksDBException e) {
        Status s = e.getStatus();
        String msg = String.valueOf(e.getMessage());
        if (s != null && s.getCode() == Status.Code.IOError && msg.toLowerCase().contains("lock")) {
            return new StoreException(
                    StoreException.Kind.LOCKED,
                    "another broker is using the store " + dir
                            + ": its lock file " + dir.resolve("LOCK") + " is held (" + msg
                            + "). Only one broker may run"
                            + " on a data_dir: stop the other one, or give this one its own data_dir.",
                    e);
        }
        return damaged(dir, msg, e);
    }

    static StoreException damaged(Path dir, String reason, Throwable cause) {
        return new StoreException(
                StoreException.Kind.DAMAGED,
                "the store " + dir + " is damaged or unreadable: "
                        + reason
                        + ". The broker does not start on a store it cannot read, so that nothing in it is lost"
                        + " silently. Way out: stop every broker on this data_dir and run '" + REPAIR_COMMAND
                        + "' (keeps every record that can still be read; the damaged files are kept beside it), or move "
                        + dir + " away to start with an empty store.",
                cause);
    }

    private static long readHighWater(RocksDB db, ColumnFamilyHandle meta, Path dir) {
        try {
            byte[] v = db.get(meta, HighWater.KEY);
            return v == null ? 0 : HighWater.decode(v);
        } catch (RocksDBException e) {
            throw openFailure(dir, e);
        }
    }

    /** The highest message id written so far (kept in the meta column with each group write). */
    public HighWater highWater() {
        return highWater;
    }

    /** Submits a batch to the writer; the future completes once it is in the WAL (or synced, per policy). */
    public CompletableFuture<Void> write(Writes batch) {
        return writer.submit(batch);
    }

    /** As {@link #write(Writes)}, completing {@code done} (on the writer thread) instead of a new future. */
    void write(Writes batch, CompletableFuture<Void> done) {
        writer.submit(batch, done);
    }

    /** True while the writer is far behind ({@link GroupCommitWriter#behind}). Any thread. */
    public boolean writesBehind() {
        return writer.behind();
    }

    /** Runs {@code resume} once the writer caught up (on its thread: hand work over only), or at once. */
    public void whenWritesCaughtUp(Runnable resume) {
        writer.whenCaughtUp(resume);
    }

    /** Tests only: {@code check} runs on the writer thread after each group is in the WAL, before its futures complete. */
    void afterEachGroup(Runnable check) {
        writer.afterEachGroup(check);
    }

    /** One record, or null. Any thread. */
    public byte[] get(Column column, byte[] key) {
        beginRead();
        try {
            try {
                return db.get(handles.get(column), key);
            } catch (RocksDBException e) {
                throw readFailure(column, e);
            }
        } finally {
            endRead();
        }
    }

    /** What a {@link #scan} hands each record; return false to stop. */
    @FunctionalInterface
    public interface RecordVisitor {
        boolean visit(byte[] key, byte[] value);
    }

    /** Every record of {@code column} whose key starts with {@code prefix}, in key order. Any thread. */
    public void scan(Column column, byte[] prefix, RecordVisitor visitor) {
        scanFrom(column, prefix, prefix, visitor);
    }

    /** Like {@link #scan}, starting at {@code from} (at or after {@code prefix}) instead of the first key. */
    public void scanFrom(Column column, byte[] prefix, byte[] from, RecordVisitor visitor) {
        beginRead();
        try {
            try (Slice upper = prefix.length == 0 ? null : new Slice(Keys.end(prefix));
                    ReadOptions options = new ReadOptions()) {
                if (upper != null) {
                    options.setIterateUpperBound(upper);
                }
                try (RocksIterator it = db.newIterator(handles.get(column), options)) {
                    for (it.seek(from); it.isValid(); it.next()) {
                        if (!visitor.visit(it.key(), it.value())) {
                            return;
                        }
                    }
                    it.status();
                }
            } catch (RocksDBException e) {
                throw readFailure(column, e);
            }
        } finally {
            endRead();
        }
    }

    /** Like {@link #scanFrom}, handing over keys only (no value is copied out of RocksDB). Any thread. */
    public void scanKeys(Column column, byte[] prefix, java.util.function.Predicate<byte[]> visitor) {
        beginRead();
        try {
            try (Slice upper = prefix.length == 0 ? null : new Slice(Keys.end(prefix));
                    ReadOptions options = new ReadOptions().setFillCache(false)) {
                if (upper != null) {
                    options.setIterateUpperBound(upper);
                }
                try (RocksIterator it = db.newIterator(handles.get(column), options)) {
                    for (it.seek(prefix); it.isValid(); it.next()) {
                        if (!visitor.test(it.key())) {
                            return;
                        }
                    }
                    it.status();
                }
            } catch (RocksDBException e) {
                throw readFailure(column, e);
            }
        } finally {
            endRead();
        }
    }

    /** Takes the read guard for one read; throws CLOSED once the database is closed. Release with {@link #endRead}. */
    private void beginRead() {
        guard.readLock().lock();
        if (dbClosed) {
            guard.readLock().unlock();
            throw new StoreException(StoreException.Kind.CLOSED, "the store " + dir + " is closed", null);
        }
    }

    private void endRead() {
        guard.readLock().unlock();
    }

    private StoreException readFailure(Column column, RocksDBException e) {
        return damaged(dir, "reading " + column.familyName() + " failed: " + e.getMessage(), e);
    }

    /**
     * Each distinct subscriber prefix of a per-subscriber column, once: one seek per subscriber,
     * not a read of every record. Any thread.
     */
    public void forEachSubscriberPrefix(Column column, java.util.function.Consumer<byte[]> action) {
        beginRead();
        try {
            try (ReadOptions options = new ReadOptions();
                    RocksIterator it = db.newIterator(handles.get(column), options)) {
                for (it.seekToFirst(); it.isValid(); ) {
                    byte[] prefix = Keys.prefixOf(it.key());
                    action.accept(prefix);
                    it.seek(Keys.end(prefix));
                }
                it.status();
            } catch (RocksDBException e) {
                throw readFailure(column, e);
            }
        } finally {
            endRead();
        }
    }

    /** RocksDB's estimate of the records in a column (cheap; exact after compaction). */
    public long estimateRecords(Column column) {
        beginRead();
        try {
            try {
                return db.getLongProperty(handles.get(column), "rocksdb.estimate-num-keys");
            } catch (RocksDBException e) {
                throw readFailure(column, e);
            }
        } finally {
            endRead();
        }
    }

    /** Bytes of SST and WAL files on disk. */
    public long diskBytes() {
        beginRead();
        try {
            return sstFiles.getTotalSize();
        } finally {
            endRead();
        }
    }

    public StoreStats stats() {
        return stats;
    }

    /** Whether the store takes writes (RocksDB stops after a failed write, e.g. a full disk, until it recovered). */
    public StoreHealth health() {
        return health;
    }

    /** When RocksDB last finished a compaction (epoch millis), 0 for not since the store opened. */
    public long lastCompactionMillis() {
        return compactions.lastMillis;
    }

    /** Remembers when the last compaction finished; called on RocksDB's background threads. */
    private static final class CompactionClock extends AbstractEventListener {
        private volatile long lastMillis;

        CompactionClock() {
            super(EnabledEventCallback.ON_COMPACTION_COMPLETED);
        }

        @Override
        public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
            lastMillis = System.currentTimeMillis();
        }
    }

    public Path directory() {
        return dir;
    }

    /**
     * Writes and syncs what was submitted, flushes the memtables to table files (so the next
     * open has no write-ahead log to replay: a restart after a graceful stop is quick), then
     * closes the database.
     */
    @Override
    public void close() {
        synchronized (this) { // a second close must not reach the closed database (flush would crash the JVM)
            if (closed) {
                return;
            }
            closed = true;
        }
        writer.close();
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, allHandles);
        } catch (RocksDBException e) {
            // everything is in the synced WAL: the next open replays it instead
            log.warn(
                    "store {}: flushing the memtables at close failed ({}); the next start replays the log",
                    dir,
                    e.getMessage());
        }
        guard.writeLock().lock(); // waits for reads under way; later ones fail with CLOSED
        try {
            dbClosed = true;
        } finally {
            guard.writeLock().unlock();
        }
        for (ColumnFamilyHandle h : allHandles) {
            h.close();
        }
        try {
            db.closeE();
        } catch (RocksDBException e) {
            log.error("closing the store {} failed: {}", dir, e.getMessage());
        }
        dbOptions.close();
        cfOptions.close();
        queueOptions.close();
        sstFiles.close();
        compactions.close();
        healthListener.close();
    }

    private static void closeQuietly(List<ColumnFamilyHandle> handles, AutoCloseable... resources) {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    log.warn("releasing a store resource after a failed open: {}", e.toString());
                }
            }
        }
    }
}
