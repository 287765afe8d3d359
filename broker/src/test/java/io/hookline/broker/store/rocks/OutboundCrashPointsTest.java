package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionConnection;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.session.SessionTerms;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbound QoS 1/2 exchange of a persistent session against the real durable store, checked
 * at every point a kill -9 can stop it: after each group the writer puts in the WAL (before any
 * of its futures completes) the test reads what the store holds, which is exactly what a
 * restart would recover. A message must never be both queued and in flight there (a restart
 * would send it twice: resent from flight, and again from the queue under a new packet id), a
 * PUBLISH goes to the client only once its in-flight record (packet id, message) is stored (else
 * a restart sends it again from the queue under a new packet id, which a client delivering QoS 2
 * on PUBLISH takes for a new message), and a PUBREL only once its PUBREL stage is (a client that
 * completed the exchange would otherwise get the PUBLISH again after a restart). The session's event loop is the test thread,
 * so the interleavings are chosen, not raced.
 */
class OutboundCrashPointsTest {

    private static final SubscriberId STEADY = SubscriberId.of("", "steady");

    @TempDir
    Path dir;

    private RocksStores stores;
    private SessionRegistry registry;
    private final ManualTime time = new ManualTime();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Client client = new Client();

    @BeforeEach
    void open() {
        stores = RocksStores.open(dir, SyncPolicy.INTERVAL, Duration.ofSeconds(1), time.clock());
        registry = new SessionRegistry(
                new SubscriptionTrie(),
                OutboundCrashPointsTest::settings,
                new BrokerMetrics(),
                stores,
                time.clock(),
                time,
                will -> {});
    }

    @AfterEach
    void close() {
        stores.store().afterEachGroup(null);
        stores.close();
    }

    private static ProtocolSettings settings() {
        try {
            return ProtocolSettings.from(Config.of(Map.of(), CoreConfig.schema()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Delivery delivery(long messageId, int qos) {
        Message m = new Message(
                messageId,
                "x/" + messageId,
                qos,
                false,
                ("m" + messageId).getBytes(StandardCharsets.UTF_8),
                PublishProperties.NONE,
                null,
                0);
        return new Delivery(m, qos, false, List.of());
    }

    /** An online persistent session subscribed to x/# at {@code qos}, with its record and subscription stored. */
    private Session online(int qos) throws Exception {
        SessionRegistry.Attached attached =
                registry.attach(new SessionTerms(STEADY, false, 4, 3600, null, null, null, null, false), client);
        wait(attached.stored());
        Session session = attached.session();
        StoreBatch batch = stores.batch();
        session.subscribe(new Subscription(STEADY, "x/#", null, SubscriptionOptions.ofQos(qos), 0), batch);
        wait(batch.commit());
        return session;
    }

    private static void wait(CompletionStage<Void> stage) throws Exception {
        stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Every write submitted so far is in (and its futures completed): the writer is FIFO. */
    private void settle() throws Exception {
        wait(stores.store().write(new Writes().delete(Column.META, "crash-points-barrier".getBytes())));
    }

    // ---- what a kill -9 right now would leave ---------------------------------------------

    private List<Long> queuedOnDisk() {
        List<Long> ids = new ArrayList<>();
        stores.store().scan(Column.QUEUES, Keys.subscriber(STEADY), (key, value) -> {
            ids.add(stores.records().decodeDelivery(value).message().id());
            return true;
        });
        return ids;
    }

    private List<InflightRecord> inflightOnDisk() {
        List<InflightRecord> records = new ArrayList<>();
        stores.inflight().forEach(STEADY, records::add);
        return records;
    }

    /** After each group written: no message both queued and in flight. */
    private void checkEveryCrashPoint() {
        stores.store().afterEachGroup(() -> {
            Set<Long> queued = new HashSet<>(queuedOnDisk());
            for (InflightRecord r : inflightOnDisk()) {
                if (queued.contains(r.delivery().message().id())) {
                    violations.add("message " + r.delivery().message().id() + " is both queued and in flight"
                            + " (packet id " + r.packetId() + (r.released() ? ", PUBREL stage" : "") + ")");
                }
            }
        });
    }

    // ---- the scenario of the CI failure ----------------------------------------------------

    @Test
    void aMessageRoutedWhileItsPublishersWriteIsPendingIsNeverQueuedAndInFlightAtOnce() throws Exception {
        Session session = online(2);
        checkEveryCrashPoint();

        // the publisher's routing queues the message in its batch; the subscriber's event loop
        // runs before the publisher commits (it is another loop: nothing orders the two)
        StoreBatch publisher = stores.batch();
        Delivery d = delivery(553, 2);
        session.offer(d, publisher);
        client.runLoop();
        CompletionStage<Void> stored = publisher.commit();
        wait(stored);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            client.runLoop();
            return client.wire.size() == 1;
        });
        settle();
        assertEquals(List.of(), violations, "at some crash point");
        assertEquals(List.of("PUBLISH " + client.lastPacketId + " m553"), client.wire);

        // the QoS 2 exchange to its end: PUBREC, PUBREL once its stage is stored, PUBCOMP
        int id = client.lastPacketId;
        wait(session.received(client, id));
        client.writePubrel(id); // what the connection does once the stage is stored
        assertTrue(session.acknowledge(client, id, true), "PUBCOMP");
        settle();
        assertEquals(List.of(), violations, "at some crash point");
        assertEquals(List.of(), queuedOnDisk());
        assertEquals(List.of(), inflightOnDisk());
    }

    @Test
    void aBurstOfQos0To2MessagesGoesOutOnceAndInOrderWhateverOrderThePublishersCommitIn() throws Exception {
        Session session = online(2);
        checkEveryCrashPoint();
        List<StoreBatch> publishers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            StoreBatch b = stores.batch();
            session.offer(delivery(1000 + i, i % 3), b);
            publishers.add(b);
            client.runLoop(); // the subscriber's loop gets its turn between every routing
        }
        List<CompletionStage<Void>> commits = new ArrayList<>();
        for (int i = publishers.size() - 1; i >= 0; i--) { // later publishers commit first
            commits.add(publishers.get(i).commit());
            client.runLoop();
        }
        for (CompletionStage<Void> c : commits) {
            wait(c);
        }
        // the window (10) fills; each acknowledgement lets the next one out
        List<Long> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            client.runLoop();
            for (Client.Sent s : client.takeSent()) {
                assertFalse(seen.contains(s.messageId()), "sent once: " + s);
                seen.add(s.messageId());
                if (s.qos() == 0) {
                    continue;
                }
                if (s.qos() == 1) {
                    session.acknowledge(client, s.packetId(), false);
                } else {
                    session.received(client, s.packetId()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    client.writePubrel(s.packetId());
                    session.acknowledge(client, s.packetId(), true);
                }
            }
            return seen.size() == 20;
        });
        settle();
        assertEquals(List.of(), violations, "at some crash point");
        assertEquals(LongStream.range(1000, 1020).boxed().toList(), seen, "queue order");
        assertEquals(List.of(), queuedOnDisk());
        assertEquals(List.of(), inflightOnDisk());
    }

    @Test
    void aRetriedPubrelWaitsForItsStageToBeStored() throws Exception {
        Session session = online(2);
        StoreBatch publisher = stores.batch();
        session.offer(delivery(7, 2), publisher);
        wait(publisher.commit());
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            client.runLoop();
            return client.wire.size() == 1;
        });
        int id = client.lastPacketId;
        settle();

        // the writer stops after its next group: what is submitted from now on waits
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        stores.store().afterEachGroup(() -> {
            stores.store().afterEachGroup(null);
            stopped.countDown();
            try {
                go.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletionStage<Void> barrier = stores.store().write(new Writes().delete(Column.META, "hold".getBytes()));
        assertTrue(stopped.await(10, TimeUnit.SECONDS));
        CompletionStage<Void> stage;
        try {
            stage = session.received(client, id); // its PUBREL stage is not stored yet
            session.retryOlderThan(client, 0); // retry_interval passed: the PUBREL may not go out yet
            assertEquals(1, client.wire.size(), "nothing resent before the PUBREL stage is stored: " + client.wire);
        } finally {
            go.countDown();
        }
        wait(barrier);
        wait(stage);
        client.writePubrel(id);
        session.retryOlderThan(client, 0); // now the stage is stored: the retry resends the PUBREL
        assertEquals(List.of("PUBLISH " + id + " m7", "PUBREL " + id, "PUBREL " + id), client.wire);
        assertTrue(session.acknowledge(client, id, true), "PUBCOMP");
        assertEquals(List.of(), violations);
    }

    /**
     * The client side of the session's connection. Its event loop is the test thread
     * ({@link #runLoop}); each PUBLISH and PUBREL is checked against what the store holds when it
     * is written, which is what a kill -9 right then would leave.
     */
    private final class Client implements SessionConnection {
        record Sent(int packetId, long messageId, int qos) {}

        final List<String> wire = new CopyOnWriteArrayList<>();
        private final Queue<Runnable> loop = new ConcurrentLinkedQueue<>();
        private final Queue<Sent> sent = new ConcurrentLinkedQueue<>();
        volatile int lastPacketId;

        void runLoop() {
            Runnable task;
            while ((task = loop.poll()) != null) {
                task.run();
            }
        }

        List<Sent> takeSent() {
            List<Sent> out = new ArrayList<>();
            Sent s;
            while ((s = sent.poll()) != null) {
                out.add(s);
            }
            return out;
        }

        @Override
        public void submit(Session session, Delivery delivery) {
            loop.add(() -> session.deliver(this, delivery));
        }

        @Override
        public void execute(Runnable task) {
            loop.add(task);
        }

        @Override
        public void writePublish(int packetId, Delivery delivery, boolean dup) {
            long messageId = delivery.message().id();
            if (delivery.qos() == 2 // QoS 1 may arrive twice after a crash anyway: it does not wait
                    && inflightOnDisk().stream()
                            .noneMatch(r -> r.packetId() == packetId
                                    && r.delivery().message().id() == messageId)) {
                violations.add(
                        "PUBLISH " + packetId + " of message " + messageId + " before its in-flight record was stored");
            }
            lastPacketId = packetId;
            wire.add("PUBLISH " + packetId + (dup ? " DUP " : " ")
                    + new String(delivery.message().payload()));
            sent.add(new Sent(packetId, messageId, delivery.qos()));
        }

        @Override
        public void writePubrel(int packetId) {
            if (inflightOnDisk().stream().noneMatch(r -> r.packetId() == packetId && r.released())) {
                violations.add("PUBREL " + packetId + " before its PUBREL stage was stored");
            }
            wire.add("PUBREL " + packetId);
        }

        @Override
        public void flushSoon() {}

        @Override
        public int inflightWindow() {
            return 10;
        }

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public boolean fits(Delivery delivery) {
            return true;
        }

        @Override
        public void takeOver() {}

        @Override
        public boolean inEventLoop() {
            return true;
        }
    }
}
