package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/** The writer's batch bytes, built in Java, against the ones RocksDB's own WriteBatch builds. */
class GroupEncoderTest {

    @TempDir
    Path tmp;

    @Test
    void theBytesAreRocksDbsOwnForEveryKindOfOperationAndLength() throws Exception {
        RocksDB.loadLibrary();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (Column c : Column.values()) {
            descriptors.add(new ColumnFamilyDescriptor(c.nameBytes()));
        }
        List<ColumnFamilyHandle> all = new ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, tmp.toString(), descriptors, all)) {
            Map<Column, ColumnFamilyHandle> handles = new EnumMap<>(Column.class);
            for (int i = 0; i < all.size(); i++) {
                handles.put(Column.values()[i], all.get(i));
            }
            Random random = new Random(14);
            for (int round = 0; round < 200; round++) {
                List<Writes> group = new ArrayList<>();
                try (WriteBatch expected = new WriteBatch()) {
                    for (int w = 0; w < 1 + random.nextInt(4); w++) {
                        Writes writes = new Writes();
                        for (int op = 0; op < random.nextInt(6); op++) {
                            Column c = Column.values()[random.nextInt(Column.values().length)];
                            // lengths across the varint boundaries (127/128, 16383/16384)
                            byte[] key = bytes(random, pick(random));
                            switch (random.nextInt(4)) {
                                case 0 -> {
                                    writes.delete(c, key);
                                    expected.delete(handles.get(c), key);
                                }
                                case 1 -> {
                                    byte[] to = bytes(random, pick(random));
                                    writes.deleteRange(c, key, to);
                                    expected.deleteRange(handles.get(c), key, to);
                                }
                                case 2 -> { // a put taken back: not in the batch
                                    int index = writes.nextIndex();
                                    writes.put(c, key, bytes(random, pick(random)));
                                    writes.cancelPut(index, key);
                                }
                                default -> {
                                    byte[] value = bytes(random, pick(random));
                                    writes.put(c, key, value);
                                    expected.put(handles.get(c), key, value);
                                }
                            }
                        }
                        group.add(writes);
                    }
                    Writes meta =
                            random.nextBoolean() ? new Writes().put(Column.META, HighWater.KEY, new byte[8]) : null;
                    if (meta != null) {
                        expected.put(handles.get(Column.META), HighWater.KEY, new byte[8]);
                    }
                    byte[] encoded = new GroupEncoder(handles).encode(group, meta);
                    assertArrayEquals(expected.data(), encoded, "round " + round);
                    try (WriteBatch decoded = new WriteBatch(encoded)) {
                        assertEquals(expected.count(), decoded.count(), "round " + round);
                    }
                }
            }
            for (ColumnFamilyHandle h : all) {
                h.close();
            }
        }
    }

    @Test
    void aPutTakenBackIsNeverWrittenAndTheRestOfItsBatchIs() throws Exception {
        try (RocksStore store = RocksStore.open(tmp.resolve("store"), SyncPolicy.INTERVAL, Duration.ofSeconds(1))) {
            byte[] gone = {1, 2, 3};
            byte[] kept = {1, 2, 4};
            Writes writes = new Writes();
            int index = writes.nextIndex();
            writes.put(Column.QUEUES, gone, new byte[] {9});
            writes.put(Column.INFLIGHT, kept, new byte[] {8});
            writes.cancelPut(index, gone);
            assertEquals(1, writes.size());
            assertEquals(kept.length + 1, writes.bytes());
            assertThrows(IllegalStateException.class, () -> writes.cancelPut(index, gone));
            store.write(writes).get(10, TimeUnit.SECONDS);
            assertNull(store.get(Column.QUEUES, gone));
            assertArrayEquals(new byte[] {8}, store.get(Column.INFLIGHT, kept));

            Writes none = new Writes();
            none.put(Column.QUEUES, gone, new byte[] {9});
            none.cancelPut(0, gone);
            assertTrue(none.isEmpty());
        }
    }

    private static int pick(Random random) {
        int[] lengths = {0, 1, 20, 127, 128, 300, 16383, 16384};
        return lengths[random.nextInt(lengths.length)];
    }

    private static byte[] bytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
