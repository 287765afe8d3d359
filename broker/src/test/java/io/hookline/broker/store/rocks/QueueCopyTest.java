package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.MemoryMessageQueue;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MessageQueue#copy}: a session's queue read page by page for a move to another node,
 * in order, removing nothing, over the window, the disk and spilled entries not yet written; a
 * later copy from the returned position gets only what was added since (the move's tail).
 */
class QueueCopyTest {

    private static final SubscriberId C = SubscriberId.of("c");

    @TempDir
    Path tmp;

    private static Delivery delivery(int i, int qos) {
        Message m = new Message(
                i, "t", qos, false, ("m" + i).getBytes(StandardCharsets.UTF_8), PublishProperties.NONE, null, 0);
        return new Delivery(m, qos, false, List.of(3));
    }

    private static List<String> texts(List<Delivery> list) {
        List<String> out = new ArrayList<>();
        for (Delivery d : list) {
            out.add(new String(d.message().payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> expected(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("m" + i);
        }
        return out;
    }

    /** Copies everything from {@code from} on, {@code page} at a time; returns the end position. */
    private static long copyAll(MessageQueue q, long from, int page, List<Delivery> out) {
        while (true) {
            int before = out.size();
            long next = q.copy(from, page, out);
            if (out.size() == before) {
                return next;
            }
            from = next;
        }
    }

    @Test
    void aDurableQueueIsCopiedInOrderAcrossWindowAndDiskRemovingNothing() throws Exception {
        try (RocksStores stores =
                RocksStores.open(tmp.resolve("store"), SyncPolicy.INTERVAL, Duration.ofSeconds(1), Clock.systemUTC())) {
            StoreBatch record = stores.batch();
            stores.sessions().put(new SessionRecord(C, 5, null, 3600, 1, null, 0, null, null), record);
            record.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);
            MessageQueue q = stores.queues().open(C, true);
            StoreBatch batch = stores.batch();
            for (int i = 0; i < 1000; i++) {
                q.add(delivery(i, i % 10 == 0 ? 0 : 1), batch); // QoS 0 ones stay in memory while they fit
            }
            batch.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ((RocksMessageQueue) q).inMemory() <= RocksMessageQueue.WINDOW);

            List<Delivery> copied = new ArrayList<>();
            long end = copyAll(q, 0, 77, copied);
            assertEquals(expected(0, 1000), texts(copied));
            assertEquals(List.of(3), copied.get(500).subscriptionIds());
            assertEquals(1000, q.size(), "nothing removed");

            // added since, one of them not yet written: the tail from where the copy ended
            StoreBatch later = stores.batch();
            q.add(delivery(1000, 1), later);
            q.add(delivery(1001, 1), later);
            List<Delivery> tail = new ArrayList<>();
            q.copy(end, Integer.MAX_VALUE, tail);
            assertEquals(expected(1000, 1002), texts(tail));
            later.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);

            StoreBatch poll = stores.batch();
            assertEquals("m0", new String(q.poll(poll).message().payload(), StandardCharsets.UTF_8));
            poll.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMemoryQueueIsCopiedByPosition() {
        MemoryMessageQueue q = new MemoryMessageQueue();
        for (int i = 0; i < 250; i++) {
            q.add(delivery(i, 1), StoreBatch.NONE);
        }
        List<Delivery> copied = new ArrayList<>();
        long end = copyAll(q, 0, 64, copied);
        assertEquals(expected(0, 250), texts(copied));
        assertEquals(250, end);
        assertEquals(250, q.size());
        q.add(delivery(250, 1), StoreBatch.NONE);
        List<Delivery> tail = new ArrayList<>();
        q.copy(end, 10, tail);
        assertEquals(List.of("m250"), texts(tail));
    }
}
