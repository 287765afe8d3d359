package io.hookline.broker.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.MatchCollector;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SharedGroup;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.store.InboundQos2Store;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.InflightStore;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Recovery from pre-filled stores: sessions come back offline with their subscriptions (in the
 * index), queues, in-flight messages and inbound QoS 2 ids, and their will and expiry timers run
 * from the wall-clock instants stored, on a clock the test moves.
 */
class RecoveryTest {

    private static final SubscriberId ID = SubscriberId.of("site1/", "dev-1");

    private final ManualTime time = new ManualTime();
    private final long now = time.clock().millis(); // the moment of recovery
    private final Journals journals = new Journals();
    private final MemoryStores stores = journals.stores;
    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final List<Message> wills = new ArrayList<>();
    private final SessionRegistry registry =
            new SessionRegistry(trie, RecoveryTest::settings, metrics, journals, time.clock(), time, wills::add);

    private static ProtocolSettings settings() {
        try {
            return ProtocolSettings.from(Config.of(Map.of(), CoreConfig.schema()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Message message(String topic, String payload) {
        return new Message(
                42, topic, 1, false, payload.getBytes(StandardCharsets.UTF_8), PublishProperties.NONE, null, 0);
    }

    private void record(SubscriberId id, long expirySeconds, long disconnectedAt, Message will, long willDelay) {
        stores.sessions()
                .put(
                        new SessionRecord(id, 5, "user-1", expirySeconds, disconnectedAt, will, willDelay, null, 7),
                        StoreBatch.NONE);
    }

    private List<SubscriberId> matching(String topic) {
        List<SubscriberId> found = new ArrayList<>();
        trie.match(topic, new MatchCollector() {
            @Override
            public void direct(Subscription s) {
                found.add(s.subscriber());
            }

            @Override
            public void shared(SharedGroup group) {
                group.members().forEach(s -> found.add(s.subscriber()));
            }
        });
        return found;
    }

    @Test
    void aSessionWithSubscriptionsAndAQueueComesBackOfflineAndExpiresAtItsWallClockInstant() {
        long disconnectedAt = now - Duration.ofMinutes(10).toMillis();
        record(ID, 3600, disconnectedAt, null, 0);
        Subscription direct = new Subscription(ID, "site1/a/#", null, new SubscriptionOptions(1, true, true, 2), 7);
        Subscription shared = new Subscription(ID, "site1/b/+", "g", SubscriptionOptions.ofQos(2), 0);
        stores.subscriptions().put(ID, direct, StoreBatch.NONE);
        stores.subscriptions().put(ID, shared, StoreBatch.NONE);
        var queue = stores.queues().open(ID, true);
        queue.add(new Delivery(message("site1/a/1", "one"), 1, false, List.of(7)), StoreBatch.NONE);
        queue.add(new Delivery(message("site1/a/2", "two"), 1, false, List.of(7)), StoreBatch.NONE);

        Recovery.Result result = registry.recover();

        assertEquals(new Recovery.Result(1, 2, 2, 0, 0, 0, result.millis()), result);
        Session session = registry.get(ID);
        assertNotNull(session);
        assertFalse(session.isOnline());
        assertEquals(List.of(direct, shared), session.subscriptions());
        assertEquals(2, session.queueSize());
        assertEquals(3600, session.expirySeconds());
        assertEquals("user-1", session.username());
        assertEquals(disconnectedAt, session.disconnectedAtMillis());
        assertEquals(List.of(ID), matching("site1/a/x"));
        assertEquals(List.of(ID), matching("site1/b/y"));

        // expiry counts from the disconnect, not from the restart: 50 minutes are left
        time.advance(Duration.ofMinutes(50).minusSeconds(1));
        assertNotNull(registry.get(ID), "one second before its expiry instant");
        time.advance(Duration.ofSeconds(1));
        assertNull(registry.get(ID), "expired at disconnect + 3600 s");
        assertEquals(1, metrics.get(Counter.SESSIONS_EXPIRED));
        assertEquals(List.of(), matching("site1/a/x"));
        assertNull(stores.sessions().get(ID), "its record is gone from the store");
        assertEquals(0, stores.subscriptions().owners());
        assertEquals(0, stores.queues().size());
        assertTrue(wills.isEmpty());
    }

    @Test
    void aPendingWillIsScheduledFromItsStoredInstant() {
        Message will = message("site1/will", "gone");
        record(ID, 3600, now - 10_000, will, 60); // due 60 s after the disconnect: 50 s from now

        registry.recover();

        time.advance(Duration.ofSeconds(49));
        assertTrue(wills.isEmpty(), "not yet due");
        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(will), wills);
        assertNull(stores.sessions().get(ID).will(), "the record no longer holds a pending will");
        assertNotNull(registry.get(ID), "the session stays until it expires");
    }

    @Test
    void aClientConnectedWhenTheBrokerStoppedLeftWithoutDisconnect() {
        Message now0 = message("site1/w0", "no delay");
        Message later = message("site1/w30", "after 30 s");
        SubscriberId other = SubscriberId.of("site1/", "dev-2");
        record(ID, -1, 0, now0, 0);
        record(other, 600, 0, later, 30);

        Recovery.Result result = registry.recover();

        assertEquals(List.of(now0), wills, "a will without delay is sent at recovery");
        assertEquals(1, result.willsSent());
        SessionRecord stored = stores.sessions().get(ID);
        assertEquals(now, stored.disconnectedAtMillis(), "it went away at recovery time");
        assertNull(stored.will());
        assertEquals(later, stores.sessions().get(other).will(), "a delayed will is pending");
        time.advance(Duration.ofSeconds(30));
        assertEquals(List.of(now0, later), wills);
        time.advance(Duration.ofDays(365));
        assertNotNull(registry.get(ID), "expiry -1: never expires");
        assertNull(registry.get(other));
    }

    @Test
    void aSessionThatExpiredWhileTheBrokerWasDownEndsAtRecoverySendingItsWill() {
        Message will = message("site1/will", "late");
        record(ID, 3600, now - Duration.ofHours(2).toMillis(), will, 7200);
        stores.subscriptions()
                .put(ID, new Subscription(ID, "site1/#", null, SubscriptionOptions.ofQos(1), 0), StoreBatch.NONE);

        Recovery.Result result = registry.recover();

        assertEquals(1, result.expired());
        assertEquals(0, result.sessions());
        assertNull(registry.get(ID));
        assertEquals(List.of(will), wills, "the session ended before the will delay: the will goes now");
        assertEquals(List.of(), matching("site1/x"));
        assertNull(stores.sessions().get(ID));
        assertEquals(0, time.pending(), "no timer left behind");
    }

    @Test
    void inFlightMessagesAndInboundQos2IdsComeBackAndTheResumedSessionIsPresent() {
        record(ID, 3600, now - 1_000, null, 0);
        Delivery sent = new Delivery(message("site1/a", "in flight"), 2, false, List.of());
        journals.inflight.put(9, new InflightRecord(9, sent, false));
        journals.inflight.put(10, new InflightRecord(10, sent, true));
        journals.inbound.add(5);

        Recovery.Result result = registry.recover();

        assertEquals(2, result.inflight());
        Session session = registry.get(ID);
        assertEquals(2, session.inflightSize());
        assertTrue(session.isAwaitingRelease(5));

        SessionTerms terms = new SessionTerms(ID, false, 5, 3600, "user-1", null, null, null, false);
        SessionRegistry.Attached attached = registry.attach(terms, QuietConnection.offline());
        assertTrue(attached.sessionPresent());
        assertEquals(session, attached.session());
        time.advance(Duration.ofHours(2));
        assertNotNull(registry.get(ID), "the expiry timer stopped when the client came back");
    }

    /** MemoryStores with in-flight and inbound QoS 2 journals that keep what they are given (one session). */
    private static final class Journals implements io.hookline.broker.store.Stores {
        final MemoryStores stores = new MemoryStores();
        final Map<Integer, InflightRecord> inflight = new LinkedHashMap<>();
        final List<Integer> inbound = new ArrayList<>();

        @Override
        public io.hookline.broker.store.SessionStore sessions() {
            return stores.sessions();
        }

        @Override
        public io.hookline.broker.store.SubscriptionStore subscriptions() {
            return stores.subscriptions();
        }

        @Override
        public io.hookline.broker.store.QueueStore queues() {
            return stores.queues();
        }

        @Override
        public InflightStore inflight() {
            return new InflightStore() {
                @Override
                public void sent(SubscriberId id, int packetId, Delivery delivery, StoreBatch batch) {
                    inflight.put(packetId, new InflightRecord(packetId, delivery, false));
                }

                @Override
                public void released(SubscriberId id, int packetId, StoreBatch batch) {
                    inflight.computeIfPresent(packetId, (k, r) -> new InflightRecord(k, r.delivery(), true));
                }

                @Override
                public void remove(SubscriberId id, int packetId, StoreBatch batch) {
                    inflight.remove(packetId);
                }

                @Override
                public void removeAll(SubscriberId id, StoreBatch batch) {
                    inflight.clear();
                }

                @Override
                public void forEach(SubscriberId id, Consumer<InflightRecord> action) {
                    List.copyOf(inflight.values()).forEach(action);
                }
            };
        }

        @Override
        public InboundQos2Store inbound() {
            return new InboundQos2Store() {
                @Override
                public void add(SubscriberId id, int packetId, StoreBatch batch) {
                    inbound.add(packetId);
                }

                @Override
                public void remove(SubscriberId id, int packetId, StoreBatch batch) {
                    inbound.remove((Integer) packetId);
                }

                @Override
                public void removeAll(SubscriberId id, StoreBatch batch) {
                    inbound.clear();
                }

                @Override
                public void forEach(SubscriberId id, IntConsumer action) {
                    List.copyOf(inbound).forEach(action::accept);
                }
            };
        }

        @Override
        public io.hookline.broker.store.RetainedStore retained() {
            return stores.retained();
        }

        @Override
        public StoreBatch batch() {
            return StoreBatch.NONE;
        }

        @Override
        public long highestMessageId() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
