package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStoresTest {

    private static final long T0 = 1_767_225_600_000L;
    private static final SubscriberId C = SubscriberId.of("c");

    @TempDir
    Path tmp;

    private RocksStores open(long nowMillis) {
        return RocksStores.open(
                tmp.resolve("store"),
                SyncPolicy.INTERVAL,
                Duration.ofSeconds(1),
                Clock.fixed(Instant.ofEpochMilli(nowMillis), ZoneOffset.UTC));
    }

    private static Message message(long id, String payload, long expiresAt) {
        return new Message(
                id,
                "t/" + id,
                1,
                false,
                payload.getBytes(StandardCharsets.UTF_8),
                PublishProperties.NONE,
                SubscriberId.of("mp", "pub"),
                expiresAt);
    }

    private static Delivery delivery(long id, int qos) {
        return new Delivery(message(id, "m" + id, 0), qos, false, List.of(7));
    }

    private static void commit(StoreBatch batch) throws Exception {
        batch.commit().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** C's session record: without one, what C has stored is a leftover the store drops at open. */
    private static void keepSession(RocksStores stores) throws Exception {
        StoreBatch batch = stores.batch();
        stores.sessions().put(new SessionRecord(C, 5, null, 3600, T0, null, 0, null, null), batch);
        commit(batch);
    }

    private static String text(Delivery d) {
        return new String(d.message().payload(), StandardCharsets.UTF_8);
    }

    @Test
    void aLongQueueKeepsOnlyAWindowInMemoryAndComesBackInOrderAfterReopen() throws Exception {
        int n = 20_000;
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            RocksMessageQueue q = (RocksMessageQueue) stores.queues().open(C, true);
            for (int i = 0; i < n; i += 500) {
                StoreBatch batch = stores.batch();
                for (int j = i; j < i + 500; j++) {
                    q.add(delivery(j, 1), batch);
                }
                commit(batch);
            }
            assertEquals(n, q.size());
            // spilled entries are held only until their write is in (the commit callbacks may still run)
            await().atMost(Duration.ofSeconds(10)).until(() -> q.inMemory() <= RocksMessageQueue.WINDOW);
            // the first few leave (as a session sends them)
            StoreBatch batch = stores.batch();
            for (int i = 0; i < 10; i++) {
                assertEquals("m" + i, text(q.poll(batch)));
            }
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            RocksMessageQueue q = (RocksMessageQueue) stores.queues().open(C, true);
            assertEquals(n - 10, q.size());
            assertTrue(q.inMemory() <= RocksMessageQueue.WINDOW);
            StoreBatch batch = stores.batch();
            for (int i = 10; i < n; i++) {
                Delivery d = q.poll(batch);
                assertEquals("m" + i, text(d), "entry " + i);
                assertEquals(List.of(7), d.subscriptionIds());
                assertTrue(q.inMemory() <= RocksMessageQueue.WINDOW);
            }
            assertNull(q.poll(batch));
            assertTrue(q.isEmpty());
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            assertEquals(0, stores.queues().open(C, true).size(), "every poll deleted its entry");
        }
    }

    @Test
    void aDrainingQueueReadsTheNextWindowAheadOnTheReaderThread() throws Exception {
        int n = 2_000;
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            MessageQueue q = stores.queues().open(C, true);
            StoreBatch batch = stores.batch();
            for (int i = 0; i < n; i++) {
                q.add(delivery(i, 1), batch);
            }
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            RocksMessageQueue q = (RocksMessageQueue) stores.queues().open(C, true);
            assertEquals(RocksMessageQueue.WINDOW, q.inMemory());
            StoreBatch batch = stores.batch();
            int half = RocksMessageQueue.WINDOW / 2 + 1;
            for (int i = 0; i < half; i++) {
                assertEquals("m" + i, text(q.poll(batch)));
            }
            // nobody asks: the reader fills the window up again (it starts at the 64th poll, so the
            // 65th may come after it filled up)
            await().atMost(Duration.ofSeconds(30)).until(() -> q.inMemory() >= RocksMessageQueue.WINDOW - 1);
            assertEquals(0, q.syncRefills(), "no read on the caller's thread");
            for (int i = half; i < n; i++) {
                assertEquals("m" + i, text(q.poll(batch)), "entry " + i);
            }
            assertTrue(q.isEmpty());
            commit(batch);
        }
    }

    @Test
    void aSessionMadeAgainBeforeItsQueueClearIsWrittenStartsEmpty() throws Exception {
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            MessageQueue q = stores.queues().open(C, true);
            StoreBatch batch = stores.batch();
            for (int i = 0; i < 3; i++) {
                q.add(delivery(i, 1), batch);
            }
            commit(batch);
            // a clean start: the old session ends and the new one is made in the same, uncommitted batch
            StoreBatch end = stores.batch();
            q.clear(end);
            MessageQueue fresh = stores.queues().open(C, true);
            assertEquals(0, fresh.size(), "not loaded from a disk that still holds the old entries");
            StoreBatch next = stores.batch();
            fresh.add(delivery(99, 1), next);
            commit(end);
            commit(next);
            assertEquals("m99", text(fresh.peek()));
        }
        try (RocksStores stores = open(T0)) {
            MessageQueue q = stores.queues().open(C, true);
            assertEquals(1, q.size());
            assertEquals("m99", text(q.peek()));
        }
    }

    @Test
    void qos0StaysInMemoryWhileItFitsAndCleanSessionsNeverTouchTheDisk() throws Exception {
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            MessageQueue clean = stores.queues().open(SubscriberId.of("clean"), false);
            assertFalse(clean.isDurable());
            MessageQueue q = stores.queues().open(C, true);
            assertTrue(q.isDurable());
            StoreBatch batch = stores.batch();
            q.add(delivery(1, 0), batch);
            q.add(delivery(2, 1), batch);
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            MessageQueue q = stores.queues().open(C, true);
            assertEquals(1, q.size());
            assertEquals("m2", text(q.peek()));
        }
    }

    @Test
    void aPollCommittedBeforeTheAddItUndoesStillLeavesNothingBehind() throws Exception {
        try (RocksStores stores = open(T0)) {
            MessageQueue q = stores.queues().open(C, true);
            StoreBatch publisher = stores.batch();
            q.add(delivery(1, 1), publisher);
            StoreBatch subscriber = stores.batch();
            assertEquals("m1", text(q.poll(subscriber)));
            commit(subscriber); // the delete's turn comes first...
            commit(publisher); // ...the write lands after it
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                int[] n = {0};
                stores.store().scan(Column.QUEUES, Keys.subscriber(C), (k, v) -> ++n[0] > 0);
                return n[0] == 0;
            });
        }
    }

    @Test
    void aPollOfAnEntryWhoseWriteIsQueuedDeletesInThePollersBatchWithoutAWriteOfItsOwn() throws Exception {
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            MessageQueue q = stores.queues().open(C, true);
            long before = stores.stats().requests();
            StoreBatch publisher = stores.batch();
            q.add(delivery(1, 1), publisher);
            CompletableFuture<Void> published = publisher.commit().toCompletableFuture(); // queued, maybe not written
            RocksBatch subscriber = stores.batch();
            assertEquals("m1", text(q.poll(subscriber)));
            assertEquals(1, subscriber.writes().size(), "the delete is in the poller's batch");
            commit(subscriber);
            published.get(10, TimeUnit.SECONDS);
            // an entry added and polled in the same batch: the put is taken back, nothing to write
            RocksBatch both = stores.batch();
            q.add(delivery(2, 1), both);
            assertEquals("m2", text(q.poll(both)));
            assertEquals(0, both.writes().size());
            assertSame(StoreBatch.DONE, both.commit());
            assertEquals(2, stores.stats().requests() - before, "no deferred delete of its own");
            int[] n = {0};
            stores.store().scan(Column.QUEUES, Keys.subscriber(C), (k, v) -> ++n[0] > 0);
            assertEquals(0, n[0]);
        }
    }

    @Test
    void inflightComesBackInSendOrderWithItsPubrelStage() throws Exception {
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            StoreBatch batch = stores.batch();
            stores.inflight().sent(C, 65535, delivery(1, 2), batch);
            stores.inflight().sent(C, 1, delivery(2, 1), batch);
            stores.inflight().sent(C, 7, delivery(3, 2), batch);
            stores.inflight().released(C, 65535, batch);
            stores.inflight().released(C, 7, batch);
            commit(batch);
            StoreBatch done = stores.batch();
            stores.inflight().remove(C, 7, done); // PUBCOMP
            commit(done);
            // packet id 7 used again: the old PUBREL stage must not stick to it
            StoreBatch again = stores.batch();
            stores.inflight().sent(C, 7, delivery(4, 1), again);
            commit(again);
        }
        try (RocksStores stores = open(T0)) {
            List<InflightRecord> back = new ArrayList<>();
            stores.inflight().forEach(C, back::add);
            assertEquals(
                    List.of(65535, 1, 7),
                    back.stream().map(InflightRecord::packetId).toList());
            assertEquals(
                    List.of(true, false, false),
                    back.stream().map(InflightRecord::released).toList());
            assertEquals(
                    List.of("m1", "m2", "m4"),
                    back.stream().map(r -> text(r.delivery())).toList());
            assertEquals(2, back.get(0).delivery().qos());
        }
    }

    @Test
    void sessionsSubscriptionsAndInboundIdsComeBackAndGoWithTheSession() throws Exception {
        SubscriberId other = SubscriberId.of("mp", "c");
        Message will = new Message(
                42,
                "will/c",
                1,
                true,
                "bye".getBytes(StandardCharsets.UTF_8),
                new PublishProperties(1, 60L, "text/plain", null, null, List.of()),
                C,
                0);
        try (RocksStores stores = open(T0)) {
            StoreBatch batch = stores.batch();
            stores.sessions().put(new SessionRecord(C, 5, "user", 3600, T0 - 5000, will, 30, 10, null), batch);
            stores.sessions().put(new SessionRecord(other, 4, null, -1, 0, null, 0, null, 100), batch);
            stores.subscriptions()
                    .put(C, new Subscription(C, "b/#", null, new SubscriptionOptions(2, true, true, 2), 9), batch);
            stores.subscriptions().put(C, new Subscription(C, "a/+", "g", SubscriptionOptions.ofQos(1), 0), batch);
            stores.subscriptions().put(C, new Subscription(C, "a/+", null, SubscriptionOptions.ofQos(0), 0), batch);
            stores.subscriptions()
                    .put(other, new Subscription(other, "x", null, SubscriptionOptions.ofQos(1), 0), batch);
            stores.inbound().add(C, 3, batch);
            stores.inbound().add(C, 300, batch);
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            List<SessionRecord> sessions = new ArrayList<>();
            stores.sessions().forEach(sessions::add);
            assertEquals(2, sessions.size());
            SessionRecord c =
                    sessions.stream().filter(r -> r.id().equals(C)).findFirst().orElseThrow();
            assertEquals(5, c.protocolVersion());
            assertEquals("user", c.username());
            assertEquals(3600, c.expirySeconds());
            assertEquals(T0 - 5000, c.disconnectedAtMillis());
            assertEquals(30, c.willDelaySeconds());
            assertEquals(10, c.maxOnlineMessages());
            assertNull(c.maxOfflineMessages());
            assertEquals(42, c.will().id());
            assertEquals("will/c", c.will().topic());
            assertEquals(60L, c.will().properties().messageExpiryInterval());
            List<Subscription> subs = new ArrayList<>();
            stores.subscriptions().forEach(C, subs::add);
            assertEquals(
                    List.of("b/#", "a/+", "a/+"),
                    subs.stream().map(Subscription::filter).toList(),
                    "in the order they were made");
            assertEquals(new SubscriptionOptions(2, true, true, 2), subs.get(0).options());
            assertEquals(9, subs.get(0).subscriptionId());
            assertEquals("g", subs.get(1).shareGroup());
            assertNull(subs.get(2).shareGroup());
            assertEquals(C, subs.get(0).subscriber());
            List<Integer> ids = new ArrayList<>();
            stores.inbound().forEach(C, ids::add);
            assertEquals(List.of(3, 300), ids);

            // the session ends: everything of it goes in one batch, the other session stays
            StoreBatch end = stores.batch();
            stores.sessions().remove(C, end);
            stores.subscriptions().removeAll(C, end);
            stores.inbound().removeAll(C, end);
            stores.inflight().removeAll(C, end);
            stores.queues().open(C, true).clear(end);
            commit(end);
        }
        try (RocksStores stores = open(T0)) {
            List<SessionRecord> sessions = new ArrayList<>();
            stores.sessions().forEach(sessions::add);
            assertEquals(
                    List.of(other), sessions.stream().map(SessionRecord::id).toList());
            List<Subscription> subs = new ArrayList<>();
            stores.subscriptions().forEach(C, subs::add);
            assertEquals(List.of(), subs);
            stores.subscriptions().forEach(other, subs::add);
            assertEquals(1, subs.size());
        }
    }

    @Test
    void retainedMessagesExpireWhileTheBrokerIsDownAndAnEmptyPayloadDeletes() throws Exception {
        try (RocksStores stores = open(T0)) {
            StoreBatch batch = stores.batch();
            stores.retained().retain(message(1, "lasting", 0), batch);
            stores.retained().retain(message(2, "short", T0 + 60_000), batch);
            stores.retained().retain(message(3, "cleared", 0), batch);
            stores.retained()
                    .retain(new Message(4, "t/3", 0, true, new byte[0], PublishProperties.NONE, null, 0), batch);
            commit(batch);
            assertEquals(2, stores.retained().size());
            assertEquals(3, stores.highestMessageId(), "the clearing message is not stored");
        }
        // two minutes later: the one-minute message is gone, the lasting one is there
        try (RocksStores stores = open(T0 + 120_000)) {
            List<String> topics = new ArrayList<>();
            stores.retained().matching("#", T0 + 120_000, m -> topics.add(m.topic()));
            assertEquals(List.of("t/1"), topics);
            assertTrue(stores.retained().size() == 1);
            assertEquals(3, stores.highestMessageId(), "the id generator starts above what was stored");
        }
    }

    @Test
    void anUndecodableRecordStopsTheOpenNamingTheStoreAndTheWayOut() throws Exception {
        try (RocksStore raw = RocksStore.open(tmp.resolve("store"), SyncPolicy.INTERVAL, Duration.ofSeconds(1))) {
            raw.write(new Writes().put(Column.RETAINED, Keys.retained("t"), new byte[] {9, 9, 9}))
                    .get(10, TimeUnit.SECONDS);
        }
        StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class, () -> open(T0));
        assertEquals(StoreException.Kind.DAMAGED, e.kind());
        assertTrue(
                e.getMessage()
                        .startsWith("the store "
                                + tmp.resolve("store").toAbsolutePath().normalize()
                                + " is damaged or unreadable: a record cannot be read: message format version 9"),
                e.getMessage());
        assertTrue(e.getMessage().contains("'bin/broker --repair-store'"), e.getMessage());
        // nothing held on to: the store opens again (and fails the same way) rather than being locked
        org.junit.jupiter.api.Assertions.assertThrows(StoreException.class, () -> open(T0));
    }

    @Test
    void whatBelongsToNoStoredSessionIsDroppedAtOpen() throws Exception {
        SubscriberId gone = SubscriberId.of("gone");
        SubscriberId goneToo = SubscriberId.of("mp", "c"); // same client id, another mountpoint
        try (RocksStores stores = open(T0)) {
            keepSession(stores);
            StoreBatch batch = stores.batch();
            for (SubscriberId id : List.of(C, gone, goneToo)) {
                stores.queues().open(id, true).add(delivery(1, 1), batch);
                stores.subscriptions().put(id, new Subscription(id, "x", null, SubscriptionOptions.ofQos(1), 0), batch);
                stores.inflight().sent(id, 1, delivery(2, 1), batch);
                stores.inbound().add(id, 3, batch);
            }
            commit(batch);
        }
        try (RocksStores stores = open(T0)) {
            for (SubscriberId id : List.of(gone, goneToo)) {
                assertEquals(0, stores.queues().open(id, true).size(), id.toString());
                List<Object> left = new ArrayList<>();
                stores.subscriptions().forEach(id, left::add);
                stores.inflight().forEach(id, left::add);
                stores.inbound().forEach(id, left::add);
                assertEquals(List.of(), left, id.toString());
            }
            assertEquals(1, stores.queues().open(C, true).size(), "the stored session keeps its queue");
            List<Object> kept = new ArrayList<>();
            stores.subscriptions().forEach(C, kept::add);
            stores.inflight().forEach(C, kept::add);
            stores.inbound().forEach(C, kept::add);
            assertEquals(3, kept.size());
        }
    }

    @Test
    void anEmptyBatchCommitsAtOnce() {
        try (RocksStores stores = open(T0)) {
            assertSame(StoreBatch.DONE, stores.batch().commit());
        }
    }
}
