package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreRepairTest {

    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RocksStore open(Path dir) {
        return RocksStore.open(dir, SyncPolicy.INTERVAL, Duration.ofSeconds(1));
    }

    private static void fill(Path dir) throws Exception {
        try (RocksStore store = open(dir)) {
            Writes batch = new Writes();
            for (int i = 0; i < 50; i++) {
                batch.put(Column.QUEUES, Keys.queued("c", i), utf8("m" + i));
            }
            batch.put(Column.SESSIONS, Keys.subscriber("c"), utf8("session"));
            batch.put(Column.RETAINED, Keys.retained("a/b"), utf8("retained"));
            store.write(batch).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStoreWithADamagedCurrentFileIsRepairedKeepingItsRecords() throws Exception {
        Path dir = tmp.resolve("store");
        fill(dir);
        Files.writeString(dir.resolve("CURRENT"), "garbage without a newline");
        assertThrows(StoreException.class, () -> open(dir));

        StoreRepair.Report report = StoreRepair.repair(dir);

        assertNotNull(report.damagedCopy());
        assertTrue(Files.isDirectory(report.damagedCopy()), "the damaged files are kept");
        assertTrue(report.damagedCopy().getFileName().toString().startsWith("store.damaged-"));
        assertEquals(50L, report.copied().get(Column.QUEUES), report.toString());
        assertTrue(report.problems().stream().anyMatch(p -> p.startsWith("CURRENT was unreadable; pointed it at MANIFEST-")),
                report.problems().toString());
        try (RocksStore store = open(dir)) {
            assertArrayEquals(utf8("session"), store.get(Column.SESSIONS, Keys.subscriber("c")));
            assertArrayEquals(utf8("retained"), store.get(Column.RETAINED, Keys.retained("a/b")));
            assertArrayEquals(utf8("m49"), store.get(Column.QUEUES, Keys.queued("c", 49)));
        }
    }

    @Test
    void repairRefusesAStoreABrokerIsUsing() throws Exception {
        Path dir = tmp.resolve("store");
        fill(dir);
        try (RocksStore running = open(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> StoreRepair.repair(dir));
            assertEquals(StoreException.Kind.LOCKED, e.kind());
            assertTrue(e.getMessage().contains(dir.toAbsolutePath().normalize().resolve("LOCK").toString()));
        }
        assertTrue(Files.notExists(tmp.resolve("store.repairing")) || Files.isDirectory(tmp.resolve("store")));
    }

    @Test
    void nothingToRepairWhereThereIsNoStore() throws Exception {
        StoreRepair.Report report = StoreRepair.repair(tmp.resolve("none"));
        assertEquals(null, report.damagedCopy());
        assertEquals(1, report.problems().size());
        assertTrue(report.problems().get(0).startsWith("there is no store at "));
    }
}
