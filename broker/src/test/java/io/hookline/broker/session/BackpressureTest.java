package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Connect;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure: a subscriber that falls behind holds the clients publishing to it (their
 * PUBLISHes stay unread, so unacknowledged) instead of its queue growing, and lets them go
 * when it catches up, leaves, unsubscribes or is offline; nobody else is held.
 */
class BackpressureTest {

    private static final int HIGH = 64 * 1024;
    private static final int PAYLOAD = 1024;
    private static final int MESSAGES = 2000; // ~2 MB: far beyond the mark and the socket buffers in play
    /** The mark, plus what a held publisher may still have had read: its receive maximum of 100, one read. */
    private static final long BOUND = HIGH + 100L * (PAYLOAD + 200) + 64 * 1024;

    private TestBroker broker;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    private TestBroker start(String... extra) {
        List<String> kv = new ArrayList<>(List.of(
                "queue_high_watermark", Integer.toString(HIGH),
                "queue_low_watermark", Integer.toString(HIGH / 2),
                "max_online_messages", "-1")); // only the byte marks bound the queue
        kv.addAll(List.of(extra));
        broker = TestBroker.start(kv.toArray(String[]::new));
        return broker;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeLater) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already closed by the test
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    private BrokerMetrics metrics() {
        return broker.broker().metrics();
    }

    /** A v5 subscriber at QoS 1 on {@code filter} that never reads after SUBACK. */
    private RawClient stalledSubscriber(String clientId, String filter) {
        RawClient c = RawClient.connected(broker, 5, clientId);
        closeLater.add(c);
        c.send(RawClient.subscribe(5, 1, filter, 1));
        c.expect(RawClient.SUBACK);
        return c;
    }

    private Mqtt5AsyncClient publisher(String clientId) {
        Mqtt5AsyncClient c = v5(broker, clientId).toAsync();
        c.connect().join();
        closeLater.add(() -> c.disconnect().get(5, TimeUnit.SECONDS));
        return c;
    }

    /**
     * Publishes {@code n} QoS 1 messages as fast as the client lets it, from a thread of its own
     * (the client blocks its caller when its own buffer is full); {@code acked} counts the
     * PUBACKs. Completes when every one is acknowledged.
     */
    private static CompletableFuture<Void> flatOut(Mqtt5AsyncClient c, String topic, int n, AtomicInteger acked) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    byte[] payload = new byte[PAYLOAD];
                    CompletableFuture<?>[] all = new CompletableFuture<?>[n];
                    try {
                        for (int i = 0; i < n; i++) {
                            all[i] = c.publishWith()
                                    .topic(topic)
                                    .qos(MqttQos.AT_LEAST_ONCE)
                                    .payload(payload)
                                    .send()
                                    .thenRun(acked::incrementAndGet);
                        }
                        CompletableFuture.allOf(all).whenComplete((v, e) -> {
                            if (e != null) {
                                done.completeExceptionally(e);
                            } else {
                                done.complete(null);
                            }
                        });
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                },
                "publisher-" + topic);
        t.setDaemon(true);
        t.start();
        return done;
    }

    private static void allAcked(CompletableFuture<Void> publishes) throws Exception {
        publishes.get(30, TimeUnit.SECONDS);
    }

    /** The publisher is held: paused, its acknowledgements stop, the subscriber's queue stays bounded in bytes. */
    private void assertHeld(AtomicInteger acked, String subscriberId) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().pausedPublishers().get() == 1);
        AtomicInteger lastSeen = new AtomicInteger(-1); // PUBACKs already on their way still arrive: then none
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> lastSeen.getAndSet(acked.get()) == acked.get());
        int stalledAt = acked.get();
        assertTrue(stalledAt < MESSAGES / 2, "acked " + stalledAt + " of " + MESSAGES + " while held");
        long queued = broker.broker().sessions().get(subscriberId).queuedBytes();
        assertTrue(queued >= HIGH && queued <= BOUND, "queued " + queued + " bytes, mark " + HIGH);
        assertTrue(metrics().get(Counter.PUBLISHER_PAUSES) >= 1);
        assertTrue(metrics().get(Counter.SESSIONS_CONGESTED) >= 1);
    }

    @Test
    void slowSubscriberHoldsThePublisherUntilItDisconnects() throws Exception {
        start();
        RawClient sub = stalledSubscriber("slow", "bp/t");
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> sent = flatOut(publisher("pub"), "bp/t", MESSAGES, acked);

        assertHeld(acked, "slow");

        sub.close(); // clean session: it ends, nothing to wait for any more
        allAcked(sent);
        assertEquals(MESSAGES, acked.get());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> metrics().pausedPublishers().get() == 0);
    }

    @Test
    void heldPublisherResumesWhenTheSubscriberCatchesUpAndEveryMessageArrives() throws Exception {
        start();
        RawClient sub = stalledSubscriber("slow", "bp/t");
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> sent = flatOut(publisher("pub"), "bp/t", MESSAGES, acked);
        assertHeld(acked, "slow");

        for (int i = 0; i < MESSAGES; i++) { // now it reads and acknowledges everything
            Packet p = sub.expect(RawClient.PUBLISH);
            assertEquals(PAYLOAD, p.payload().length);
            sub.send(RawClient.ack(RawClient.PUBACK, p.packetId()));
        }
        allAcked(sent);
        assertEquals(MESSAGES, acked.get());
        assertEquals(0, metrics().get(Counter.DROPPED_QUEUE_FULL));
    }

    @Test
    void unrelatedPublisherAndSubscriberKeepFlowingWhileOneIsHeld() throws Exception {
        start();
        stalledSubscriber("slow", "bp/t");
        AtomicInteger acked = new AtomicInteger();
        flatOut(publisher("pub"), "bp/t", MESSAGES, acked);
        assertHeld(acked, "slow");

        Mqtt5BlockingClient otherSub = v5Connected(broker, "other-sub");
        closeLater.add(otherSub::disconnect);
        AtomicInteger received = new AtomicInteger();
        otherSub.toAsync()
                .subscribeWith()
                .topicFilter("other/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.incrementAndGet())
                .send()
                .join();
        AtomicInteger otherAcked = new AtomicInteger();
        allAcked(flatOut(publisher("other-pub"), "other/t", 500, otherAcked));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 500);
        assertEquals(1, metrics().pausedPublishers().get(), "the first publisher is still held");
    }

    @Test
    void offlineSessionDoesNotHoldPublishers() throws Exception {
        start("max_offline_messages", "100");
        RawClient sub = RawClient.connected(
                broker, new Connect(5, "away").cleanStart(true).sessionExpiry(600));
        sub.send(RawClient.subscribe(5, 1, "bp/t", 1));
        sub.expect(RawClient.SUBACK);
        sub.send(RawClient.disconnect());
        sub.close();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("away").isOnline());

        AtomicInteger acked = new AtomicInteger();
        allAcked(flatOut(publisher("pub"), "bp/t", MESSAGES, acked));
        assertEquals(0, metrics().get(Counter.PUBLISHER_PAUSES));
        assertEquals(100, broker.broker().sessions().get("away").queueSize());
        assertEquals(MESSAGES - 100, metrics().get(Counter.DROPPED_QUEUE_FULL));
    }

    @Test
    void subscriberGoingOfflineReleasesThePublisher() throws Exception {
        start("max_offline_messages", "10");
        RawClient sub = RawClient.connected(
                broker, new Connect(5, "slow").cleanStart(true).sessionExpiry(600));
        closeLater.add(sub);
        sub.send(RawClient.subscribe(5, 1, "bp/t", 1));
        sub.expect(RawClient.SUBACK);
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> sent = flatOut(publisher("pub"), "bp/t", MESSAGES, acked);
        assertHeld(acked, "slow");

        sub.abort(); // the session stays, offline: bounded by max_offline_messages, not by holding publishers
        allAcked(sent);
        assertEquals(10, broker.broker().sessions().get("slow").queueSize());
    }

    @Test
    void unsubscribingReleasesThePublisher() throws Exception {
        start();
        RawClient sub = stalledSubscriber("slow", "bp/t");
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> sent = flatOut(publisher("pub"), "bp/t", MESSAGES, acked);
        assertHeld(acked, "slow");

        // the broker still reads the subscriber (it publishes nothing, nobody holds it)
        sub.send(new RawClient.Bytes()
                .u16(2)
                .props(new RawClient.Bytes())
                .str("bp/t")
                .packet(RawClient.UNSUBSCRIBE << 4 | 0x02));
        allAcked(sent);
        assertEquals(MESSAGES, acked.get());
    }

    @Test
    void clientSubscribedToItsOwnTopicIsNeverHeldByItself() throws Exception {
        start("queue_high_watermark", "4KB", "queue_low_watermark", "2KB");
        Mqtt5AsyncClient self = publisher("self");
        AtomicInteger received = new AtomicInteger();
        self.subscribeWith()
                .topicFilter("self/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.incrementAndGet())
                .send()
                .join();
        AtomicInteger acked = new AtomicInteger();
        allAcked(flatOut(self, "self/t", MESSAGES, acked));
        await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == MESSAGES);
        assertEquals(0, metrics().get(Counter.PUBLISHER_PAUSES));
    }

    @Test
    void sharedGroupSendsToTheMemberThatKeepsUp() throws Exception {
        start();
        stalledSubscriber("stuck", "$share/g/sh/t");
        Mqtt5BlockingClient fast = v5Connected(broker, "fast");
        closeLater.add(fast::disconnect);
        AtomicInteger received = new AtomicInteger();
        fast.toAsync()
                .subscribeWith()
                .topicFilter("$share/g/sh/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.incrementAndGet())
                .send()
                .join();

        AtomicInteger acked = new AtomicInteger();
        allAcked(flatOut(publisher("pub"), "sh/t", MESSAGES, acked));
        long stuck = broker.broker().sessions().get("stuck").queuedBytes();
        assertTrue(stuck <= BOUND, "the stuck member got " + stuck + " bytes");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.get() > MESSAGES / 2);
    }

    @Test
    void heldPublisherIsNotDisconnectedForKeepAlive() throws Exception {
        start();
        RawClient sub = stalledSubscriber("slow", "bp/t");
        RawClient pub = RawClient.connected(broker, new Connect(5, "pub").keepAlive(1));
        closeLater.add(pub);
        int n = 300;
        for (int i = 1; i <= n; i++) {
            pub.send(RawClient.publish(5, "bp/t", 1, i, new byte[PAYLOAD]));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().pausedPublishers().get() == 1);
        // three times the 1.5 s keep-alive allowance without a packet read from it
        await().during(Duration.ofMillis(4500))
                .atMost(Duration.ofSeconds(6))
                .until(() -> metrics().get(Counter.KEEPALIVE_TIMEOUTS) == 0
                        && broker.broker().sessions().get("pub").isOnline());

        sub.close();
        for (int i = 0; i < n; i++) {
            pub.expect(RawClient.PUBACK);
        }
    }

    @Test
    void heldPublisherStillGetsItsPingAnswered() {
        start();
        stalledSubscriber("slow", "bp/t");
        RawClient pub = RawClient.connected(broker, new Connect(5, "pub").keepAlive(1));
        closeLater.add(pub);
        for (int i = 1; i <= 120; i++) {
            pub.send(RawClient.publish(5, "bp/t", 1, i, new byte[PAYLOAD]));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().pausedPublishers().get() == 1);
        pub.send(RawClient.pingreq());
        pub.setReadTimeout(Duration.ofSeconds(20));
        for (Packet p = pub.read(); p.type() != RawClient.PINGRESP; p = pub.read()) {
            assertEquals(RawClient.PUBACK, p.type());
        }
        assertEquals(0, metrics().get(Counter.KEEPALIVE_TIMEOUTS));
    }

    @Test
    void offSwitchNeverHolds() throws Exception {
        start("queue_high_watermark", "0");
        stalledSubscriber("slow", "bp/t");
        AtomicInteger acked = new AtomicInteger();
        allAcked(flatOut(publisher("pub"), "bp/t", MESSAGES, acked));
        assertEquals(0, metrics().get(Counter.PUBLISHER_PAUSES));
        assertTrue(broker.broker().sessions().get("slow").queuedBytes() > MESSAGES / 2 * PAYLOAD);
    }
}
