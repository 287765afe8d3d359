package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.testsupport.SmallDisk;
import io.hookline.broker.util.StoreBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A full disk, for real: the store lives on a tiny tmpfs (needs root, as the build machines and
 * CI run; skipped where mounting is not allowed). Under every sync policy: the write fails with
 * NO_SPACE, the store says it is read-only, and once there is room again it takes writes (and,
 * under interval, syncs) without a reopen, with nothing written before or after lost.
 */
class DiskFullTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final SmallDisk disk = new SmallDisk();

    @ParameterizedTest
    @EnumSource(SyncPolicy.class)
    void aFullDiskFailsTheWriteWithNoSpaceAndKeepsWhatWasStored(SyncPolicy policy) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        disk.mount(dir);
        byte[] first = "kept".getBytes();
        List<Integer> written = new ArrayList<>();
        // a short interval: several syncs fall into the time the disk is full
        try (RocksStore store = RocksStore.open(dir.resolve("store"), policy, Duration.ofMillis(100))) {
            store.write(new Writes().put(Column.RETAINED, "t/kept".getBytes(), first))
                    .get(10, TimeUnit.SECONDS);
            byte[] big = new byte[256 * 1024];
            StoreException failure = null;
            for (int i = 0; i < 100 && failure == null; i++) {
                big[0] = (byte) i;
                try {
                    store.write(new Writes().put(Column.QUEUES, Keys.queued("s", i), big))
                            .get(10, TimeUnit.SECONDS);
                    written.add(i);
                } catch (ExecutionException e) {
                    failure = assertInstanceOf(StoreException.class, e.getCause());
                }
            }
            assertNotNull(failure, "3 MB cannot take 25 MB");
            assertEquals(StoreException.Kind.NO_SPACE, failure.kind(), failure.getMessage());
            assertTrue(
                    failure.getMessage().startsWith("writing to the store " + store.directory() + " failed: "),
                    failure.getMessage());
            assertTrue(store.stats().writeErrors() >= 1);
            StoreHealth.State readOnly = store.health().state();
            assertFalse(readOnly.writable(), "read-only after the failed write");
            assertTrue(readOnly.reason().contains("No space left on device"), readOnly.reason());
            assertEquals(1, readOnly.readOnlyTimes());
            long syncErrors = store.stats().syncErrors();
            long syncs = store.stats().syncs();
            // nothing already stored is damaged, and reads go on
            assertArrayEquals(first, store.get(Column.RETAINED, "t/kept".getBytes()));
            for (int i : written) {
                assertNotNull(store.get(Column.QUEUES, Keys.queued("s", i)), "queued " + i);
            }
            // room again: writes succeed again without a restart
            disk.grow(dir, "64m");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            store.write(new Writes().put(Column.RETAINED, "t/after".getBytes(), first))
                                    .get(10, TimeUnit.SECONDS);
                            return true;
                        } catch (ExecutionException e) {
                            return false;
                        }
                    });
            assertArrayEquals(first, store.get(Column.RETAINED, "t/after".getBytes()));
            StoreHealth.State again = store.health().state();
            assertTrue(again.writable(), "writable again");
            assertEquals(1, again.readOnlyTimes());
            for (int i = 0; i < 5; i++) {
                big[0] = (byte) (100 + i);
                store.write(new Writes().put(Column.QUEUES, Keys.queued("s", 100 + i), big))
                        .get(10, TimeUnit.SECONDS);
            }
            if (policy == SyncPolicy.INTERVAL) {
                // the interval sync works again: no "Writer has previous error" that would stop the store for good
                await().atMost(Duration.ofSeconds(30)).until(() -> store.stats().syncs() > syncs);
            }
            assertEquals(syncErrors, store.stats().syncErrors(), "no sync failed after the disk filled");
            assertTrue(store.health().writable());
        }
        // nothing stored before, during or after the full disk is lost or damaged
        try (RocksStore store = RocksStore.open(dir.resolve("store"), policy, Duration.ofSeconds(1))) {
            assertArrayEquals(first, store.get(Column.RETAINED, "t/kept".getBytes()));
            assertArrayEquals(first, store.get(Column.RETAINED, "t/after".getBytes()));
            for (int i : written) {
                byte[] v = store.get(Column.QUEUES, Keys.queued("s", i));
                assertNotNull(v, "queued " + i);
                assertEquals((byte) i, v[0], "queued " + i);
            }
            for (int i = 100; i < 105; i++) {
                byte[] v = store.get(Column.QUEUES, Keys.queued("s", i));
                assertNotNull(v, "queued after the disk had room again " + i);
                assertEquals((byte) i, v[0]);
            }
        }
    }

    private static Message message(long id, String topic, byte[] payload) {
        return new Message(id, topic, 1, false, payload, PublishProperties.NONE, SubscriberId.of("", "pub"), 0);
    }

    /**
     * What a refused publish staged in memory goes again: its queue entry is never delivered, a
     * retained message it set gives way to what the store holds, and a retained message it cleared
     * (or a refused 'retain delete') comes back. 20 KB messages, so that the queue
     * spills past its in-memory window before the disk is full.
     */
    @Test
    void aRefusedWriteLeavesNeitherAQueuedEntryNorARetainedMessageBehind() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        disk.mount(dir);
        SubscriberId keeper = SubscriberId.of("", "keeper");
        try (RocksStores stores =
                RocksStores.open(dir.resolve("store"), SyncPolicy.INTERVAL, Duration.ofSeconds(1), Clock.systemUTC())) {
            MessageQueue queue = stores.queues().open(keeper, true);
            int acknowledged = 0;
            boolean refused = false;
            for (int i = 0; i < 1000 && !refused; i++) {
                byte[] payload = new byte[20 * 1024];
                payload[0] = (byte) i;
                payload[1] = (byte) (i >> 8);
                StoreBatch batch = stores.batch();
                queue.add(new Delivery(message(i + 1, "q", payload), 1, false, List.of()), batch);
                stores.retained().retain(message(i + 1, "r", ("r" + i).getBytes()), batch);
                try {
                    batch.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    acknowledged++;
                } catch (ExecutionException e) {
                    refused = true;
                }
            }
            assertTrue(refused, "3 MB cannot take 20 MB");
            assertTrue(acknowledged > RocksMessageQueue.WINDOW, "the queue spilled: " + acknowledged);
            String last = "r" + (acknowledged - 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> retained(stores).equals(List.of(last)));

            // a refused clear (an empty retained payload, then 'retain delete') gives the message back too
            StoreBatch clear = stores.batch();
            stores.retained().retain(message(5000, "r", new byte[0]), clear);
            assertEquals(List.of(), retained(stores), "cleared in memory at once");
            assertThrows(
                    ExecutionException.class,
                    () -> clear.commit().toCompletableFuture().get(10, TimeUnit.SECONDS));
            await().atMost(Duration.ofSeconds(10)).until(() -> retained(stores).equals(List.of(last)));
            StoreBatch delete = stores.batch();
            assertTrue(stores.retained().remove("r", delete));
            assertThrows(
                    ExecutionException.class,
                    () -> delete.commit().toCompletableFuture().get(10, TimeUnit.SECONDS));
            await().atMost(Duration.ofSeconds(10)).until(() -> retained(stores).equals(List.of(last)));

            List<Integer> got = new ArrayList<>();
            StoreBatch drain = stores.batch(); // not committed: the disk is still full
            for (Delivery d = queue.poll(drain); d != null; d = queue.poll(drain)) {
                byte[] p = d.message().payload();
                got.add((p[0] & 0xFF) | (p[1] & 0xFF) << 8);
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < acknowledged; i++) {
                expected.add(i);
            }
            assertEquals(expected, got, "every acknowledged entry, in order, and not the refused one");
            assertTrue(queue.isEmpty());
        }
    }

    private static List<String> retained(RocksStores stores) {
        List<String> found = new ArrayList<>();
        stores.retained().matching("r", System.currentTimeMillis(), m -> found.add(new String(m.payload())));
        return found;
    }
}
