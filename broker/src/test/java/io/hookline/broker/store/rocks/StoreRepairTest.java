package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreRepairTest {

    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RocksStore open(Path dir) {
        return RocksStore.open(dir, SyncPolicy.INTERVAL, Duration.ofSeconds(1));
    }

    private static final Records RECORDS = new Records(new HighWater(0));
    private static final SubscriberId C = SubscriberId.of("c");

    private static Message message(long id, String payload) {
        return new Message(id, "a/b", 1, true, utf8(payload), PublishProperties.NONE, null, 0);
    }

    private static byte[] queued(int i) {
        return RECORDS.encodeDelivery(new Delivery(message(i, "m" + i), 1, false, List.of()));
    }

    private static final byte[] SESSION =
            RECORDS.encodeSession(new SessionRecord(C, 5, null, 60, 1, null, 0, null, null));
    private static final byte[] RETAINED = MessageCodec.encode(message(100, "retained"));

    /** Decodable records, as a broker writes them. */
    private static void fill(Path dir) throws Exception {
        try (RocksStore store = open(dir)) {
            Writes batch = new Writes();
            for (int i = 0; i < 50; i++) {
                batch.put(Column.QUEUES, Keys.queued(C, i), queued(i));
            }
            batch.put(Column.SESSIONS, Keys.subscriber(C), SESSION);
            batch.put(Column.RETAINED, Keys.retained("a/b"), RETAINED);
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
        assertTrue(
                report.problems().stream()
                        .anyMatch(p -> p.startsWith("CURRENT was unreadable; pointed it at MANIFEST-")),
                report.problems().toString());
        try (RocksStore store = open(dir)) {
            assertArrayEquals(SESSION, store.get(Column.SESSIONS, Keys.subscriber(C)));
            assertArrayEquals(RETAINED, store.get(Column.RETAINED, Keys.retained("a/b")));
            assertArrayEquals(queued(49), store.get(Column.QUEUES, Keys.queued(C, 49)));
        }
    }

    @Test
    void recordsTheBrokerCannotDecodeAreLeftOutSoThatItStartsAgain() throws Exception {
        Path dir = tmp.resolve("store");
        fill(dir);
        try (RocksStore raw = open(dir)) {
            raw.write(new Writes()
                            .put(Column.RETAINED, Keys.retained("bad"), new byte[] {9, 9})
                            .put(
                                    Column.RETAINED,
                                    Keys.retained("good"),
                                    MessageCodec.encode(new Message(
                                            1, "good", 0, true, utf8("g"), PublishProperties.NONE, null, 0))))
                    .get(10, TimeUnit.SECONDS);
        }
        StoreRepair.Report report = StoreRepair.repair(dir);
        assertTrue(
                report.problems().stream()
                        .anyMatch(
                                p -> p.startsWith(
                                        "retained: left out 1 record(s) that cannot be decoded (first: message format version 9")),
                report.problems().toString());
        try (RocksStores stores =
                RocksStores.open(dir, SyncPolicy.INTERVAL, Duration.ofSeconds(1), java.time.Clock.systemUTC())) {
            assertEquals(2, stores.retained().size(), "the decodable ones are kept");
        }
    }

    @Test
    void repairRefusesAStoreABrokerIsUsing() throws Exception {
        Path dir = tmp.resolve("store");
        fill(dir);
        try (RocksStore running = open(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> StoreRepair.repair(dir));
            assertEquals(StoreException.Kind.LOCKED, e.kind());
            assertTrue(e.getMessage()
                    .contains(dir.toAbsolutePath().normalize().resolve("LOCK").toString()));
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
