package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;

/**
 * {@code bin/broker --repair-store}: salvages a damaged store offline. The damaged database is
 * opened as leniently as RocksDB allows (best-efforts recovery, corrupted WAL records skipped),
 * every record that can still be read is copied into a new store, the damaged directory is kept
 * beside it as {@code store.damaged-<time>} and the new one takes its place. RocksJava has no
 * binding for RocksDB's own RepairDB, hence the copy. Refuses to run while a broker holds the store.
 */
public final class StoreRepair {

    /**
     * What a repair did.
     *
     * @param damagedCopy where the damaged store was moved, or null when there was nothing to repair
     * @param copied      records copied per column
     * @param problems    what could not be read, one line each
     */
    public record Report(Path damagedCopy, Map<Column, Long> copied, List<String> problems) {}

    private static final int COPY_BATCH = 1000;

    private StoreRepair() {}

    public static Report repair(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            return new Report(null, Map.of(), List.of("there is no store at " + abs + ": nothing to repair"));
        }
        Path target = abs.resolveSibling(abs.getFileName() + ".repairing");
        deleteTree(target);
        Map<Column, Long> copied = new EnumMap<>(Column.class);
        List<String> problems = new ArrayList<>();
        try (RocksStore fresh = RocksStore.open(target, SyncPolicy.INTERVAL, Duration.ofSeconds(1))) {
            copyReadable(abs, fresh, copied, problems);
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path damaged = abs.resolveSibling(abs.getFileName() + ".damaged-" + stamp);
        Files.move(abs, damaged);
        Files.move(target, abs);
        return new Report(damaged, copied, problems);
    }

    private static void copyReadable(Path source, RocksStore into, Map<Column, Long> copied, List<String> problems)
            throws IOException {
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()) {
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (Column c : Column.values()) {
                descriptors.add(new ColumnFamilyDescriptor(c.nameBytes(), cfOptions));
            }
            RocksDB db = openLeniently(source, descriptors, cfOptions, handles, problems);
            if (db == null) {
                return;
            }
            try {
                for (Column c : Column.values()) {
                    copied.put(c, copyColumn(db, handles.get(c.ordinal()), c, into, problems));
                }
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
                db.close();
            }
        }
    }

    /**
     * Opens the damaged store, each try more lenient than the last: corrupted WAL records
     * skipped; then with CURRENT pointed at the newest MANIFEST; then RocksDB's best-efforts
     * recovery. Null (with the reasons in {@code problems}) when nothing opens it.
     */
    private static RocksDB openLeniently(
            Path source,
            List<ColumnFamilyDescriptor> known,
            ColumnFamilyOptions cfOptions,
            List<ColumnFamilyHandle> handles,
            List<String> problems)
            throws IOException {
        List<String> failures = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt == 1 && !pointCurrentAtNewestManifest(source, problems)) {
                continue;
            }
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>(known);
            addUnknownFamilies(source, descriptors, cfOptions);
            handles.clear();
            try (DBOptions options = new DBOptions()
                    .setCreateIfMissing(false)
                    .setCreateMissingColumnFamilies(true)
                    .setParanoidChecks(false)) {
                if (attempt < 2) {
                    options.setWalRecoveryMode(WALRecoveryMode.SkipAnyCorruptedRecords);
                } else {
                    options.setBestEffortsRecovery(true);
                }
                RocksDB db = RocksDB.open(options, source.toString(), descriptors, handles);
                if (attempt == 2) {
                    problems.add("opened only with best-efforts recovery: recent writes may be missing");
                }
                return db;
            } catch (RocksDBException e) {
                StoreException failure = RocksStore.openFailure(source, e);
                if (failure.kind() == StoreException.Kind.LOCKED) {
                    throw failure;
                }
                failures.add(e.getMessage());
            }
        }
        problems.add("the damaged store could not be opened at all (" + String.join("; ", failures)
                + "): nothing was copied");
        return null;
    }

    /** A damaged or missing CURRENT only names the MANIFEST: point it at the newest one. */
    private static boolean pointCurrentAtNewestManifest(Path source, List<String> problems) throws IOException {
        Path newest;
        try (Stream<Path> files = Files.list(source)) {
            newest = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-"))
                    .max(Comparator.comparingLong(
                            p -> Long.parseLong(p.getFileName().toString().substring("MANIFEST-".length()), 10)))
                    .orElse(null);
        } catch (NumberFormatException e) {
            problems.add("a MANIFEST file has an unexpected name: " + e.getMessage());
            return false;
        }
        if (newest == null) {
            return false;
        }
        Path current = source.resolve("CURRENT");
        if (Files.exists(current)) {
            Files.move(current, source.resolve("CURRENT.damaged"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(current, newest.getFileName() + "\n", StandardCharsets.UTF_8);
        problems.add("CURRENT was unreadable; pointed it at " + newest.getFileName());
        return true;
    }

    private static void addUnknownFamilies(
            Path source, List<ColumnFamilyDescriptor> descriptors, ColumnFamilyOptions cfOptions) {
        try (Options options = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(options, source.toString())) {
                String n = new String(name, StandardCharsets.UTF_8);
                boolean known = false;
                for (Column c : Column.values()) {
                    known |= c.familyName().equals(n);
                }
                if (!known) {
                    descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
                }
            }
        } catch (RocksDBException e) {
            // an unreadable MANIFEST: the open below says so in the report
        }
    }

    private static long copyColumn(
            RocksDB db, ColumnFamilyHandle handle, Column column, RocksStore into, List<String> problems) {
        long n = 0;
        long skipped = 0;
        String firstBad = null;
        Writes batch = new Writes();
        try (ReadOptions read = new ReadOptions().setVerifyChecksums(true);
                RocksIterator it = db.newIterator(handle, read)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (column == Column.META && java.util.Arrays.equals(it.key(), RocksStore.LAYOUT_KEY)) {
                    continue; // the new store has its own
                }
                byte[] key = it.key();
                byte[] value = it.value();
                String bad = undecodable(column, key, value);
                if (bad != null) {
                    if (skipped++ == 0) {
                        firstBad = bad;
                    }
                    continue;
                }
                batch.put(column, key, value);
                n++;
                if (batch.size() >= COPY_BATCH) {
                    write(into, batch);
                    batch = new Writes();
                }
            }
            it.status();
        } catch (RocksDBException e) {
            problems.add(column.familyName() + ": copied " + n + " records, then stopped at damaged data ("
                    + e.getMessage() + ")");
        }
        write(into, batch);
        if (skipped > 0) {
            problems.add(column.familyName() + ": left out " + skipped + " record(s) that cannot be decoded (first: "
                    + firstBad + ")");
        }
        return n;
    }

    private static final Records RECORDS = new Records(new HighWater(0));

    /** Why the broker could not read this record back, or null when it can. */
    private static String undecodable(Column column, byte[] key, byte[] value) {
        try {
            switch (column) {
                case META -> {}
                case SESSIONS -> RECORDS.decodeSession(value);
                case SUBSCRIPTIONS -> Records.decodeSubscription(Keys.subscriberIdOf(key), value);
                case QUEUES -> {
                    Keys.sequenceOf(key);
                    RECORDS.decodeDelivery(value);
                }
                case INFLIGHT -> {
                    Keys.packetIdOf(key);
                    if (value.length > 0) {
                        Decoder in = new Decoder(value);
                        in.i64("in-flight order");
                        RECORDS.readDelivery(in);
                        in.expectEnd("in-flight record");
                    }
                }
                case QOS2_IN -> Keys.packetIdOf(key);
                case RETAINED -> MessageCodec.decode(value);
            }
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static void write(RocksStore into, Writes batch) {
        try {
            into.write(batch).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StoreException se
                    ? se
                    : new StoreException(
                            StoreException.Kind.IO, "writing the repaired store failed: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Kind.IO, "repair interrupted", e);
        } catch (TimeoutException e) {
            throw new StoreException(StoreException.Kind.IO, "writing the repaired store timed out", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
