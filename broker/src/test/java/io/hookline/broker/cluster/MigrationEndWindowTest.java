package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.session.QuietConnection;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.session.SessionTerms;
import io.hookline.broker.session.SessionTransfer;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The end window of a session move, on the node the session leaves (docs/cluster.md, "Session
 * migration"; {@link MigrationExports#commit}): after the new node's COMMIT, the old node ends its
 * copy only once its own route table sends the session's filters to the new node. Process tests
 * cannot hold the route's replication back on purpose (a move under load hit the window once), so
 * this one plays the new node and the route table: the replica lags exactly as long as the test
 * says. A message published on the old node in that lag is queued in its copy and travels in the
 * DONE frame's tail; ending the copy at COMMIT would have left it to nobody.
 */
class MigrationEndWindowTest {

    private static final UUID NEW_NODE = new UUID(0, 2);
    private static final SubscriberId ID = SubscriberId.of("moving");

    private final ManualTime time = new ManualTime();
    private final SessionRegistry registry = new SessionRegistry(
            new SubscriptionTrie(),
            MigrationEndWindowTest::settings,
            new BrokerMetrics(),
            new MemoryStores(),
            time.clock(),
            time,
            will -> {});
    private final ScheduledExecutorService migrationThread = Executors.newSingleThreadScheduledExecutor();
    private final BlockingQueue<MigrationFrames.In> sent = new LinkedBlockingQueue<>();
    private final AtomicBoolean routeArrived = new AtomicBoolean(); // the old node's replica of the new node's route
    private final AtomicLong ids = new AtomicLong(100);

    private final MigrationExports exports = new MigrationExports(
            registry,
            new SessionTransfer(registry),
            new SessionMigration.Peers() {
                @Override
                public boolean send(UUID node, ByteBuf frame) {
                    try {
                        frame.readInt(); // length
                        sent.add(MigrationFrames.read(frame.readByte(), frame, ids::incrementAndGet));
                    } finally {
                        frame.release();
                    }
                    return true;
                }

                @Override
                public boolean isMember(UUID node) {
                    return true;
                }

                @Override
                public List<UUID> others() {
                    return List.of(NEW_NODE);
                }

                @Override
                public String name(UUID node) {
                    return "b";
                }
            },
            (node, subscription) -> node.equals(NEW_NODE) && routeArrived.get(),
            migrationThread,
            10_000);

    private static ProtocolSettings settings() {
        try {
            return ProtocolSettings.from(Config.of(Map.of(), CoreConfig.schema()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        migrationThread.shutdownNow();
    }

    @Test
    void aMessagePublishedHereBeforeTheNewNodesRouteArrivesTravelsInTheTail() throws Exception {
        QuietConnection connection = QuietConnection.offline();
        Session session = registry.attach(new SessionTerms(ID, true, 5, 300, null, null, null, null, false), connection)
                .session();
        session.subscribe(new Subscription(ID, "t/#", null, SubscriptionOptions.ofQos(1), 0), StoreBatch.NONE);
        registry.detach(session, connection, null);
        assertTrue(publishHere("m0"));

        // the new node asks, pulls the queue (one page, then an empty one), stores it and commits
        onMigrationThread(() -> exports.ask(NEW_NODE, frame(Frames.MIGRATE_ASK, ID, 0)));
        assertNotNull(next(Frames.MIGRATE_STATE).snapshot());
        onMigrationThread(() -> exports.pull(NEW_NODE, frame(Frames.MIGRATE_PULL, null, 0)));
        MigrationFrames.In page = next(Frames.MIGRATE_PAGE);
        assertEquals(List.of("m0"), payloads(page.deliveries()));
        onMigrationThread(() -> exports.pull(NEW_NODE, frame(Frames.MIGRATE_PULL, null, page.cursor())));
        assertEquals(List.of(), next(Frames.MIGRATE_PAGE).deliveries());
        onMigrationThread(() -> exports.commit(NEW_NODE, frame(Frames.MIGRATE_COMMIT, null, 0)));

        // its route has not reached this node's replica: the copy here stays and queues
        assertTrue(publishHere("m1"), "published here after COMMIT, before the route arrived: queued here");
        assertTrue(publishHere("m2"));
        assertNull(sent.peek(), "no DONE before the route arrived: " + sent.peek());

        routeArrived.set(true);
        MigrationFrames.In done = next(Frames.MIGRATE_DONE);
        assertTrue(done.flag(), "the copy here ended");
        assertEquals(List.of("m1", "m2"), payloads(done.deliveries()), "the tail: what was queued meanwhile");
        assertNull(registry.get(ID), "the session is gone from here; what is published now goes to the new node");
    }

    /**
     * A message published on this node as its router delivers it: to the session when it is
     * (still) here; otherwise it would go to the new node only if the route table sent it there.
     * Returns whether someone got it.
     */
    private boolean publishHere(String payload) throws Exception {
        return onMigrationThread(() -> {
            Session s = registry.get(ID);
            if (s == null || s.isEnded()) {
                return routeArrived.get();
            }
            Message m = new Message(
                    ids.incrementAndGet(),
                    "t/x",
                    1,
                    false,
                    payload.getBytes(StandardCharsets.UTF_8),
                    PublishProperties.NONE,
                    SubscriberId.of("pub"),
                    0);
            s.offer(new Delivery(m, 1, false, List.of()), StoreBatch.NONE); // queued: it is offline
            return true;
        });
    }

    private static MigrationFrames.In frame(byte type, SubscriberId client, long cursor) {
        return new MigrationFrames.In(type, 1, client, false, cursor, null, null, null);
    }

    private MigrationFrames.In next(byte type) throws InterruptedException {
        MigrationFrames.In in = sent.poll(10, TimeUnit.SECONDS);
        assertNotNull(in, "no frame of type " + type + " sent");
        assertEquals(type, in.type());
        return in;
    }

    private static List<String> payloads(List<Delivery> deliveries) {
        List<String> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            out.add(new String(d.message().payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private void onMigrationThread(Runnable task) throws Exception {
        migrationThread.submit(task).get(10, TimeUnit.SECONDS);
    }

    private <T> T onMigrationThread(Callable<T> task) throws Exception {
        return migrationThread.submit(task).get(10, TimeUnit.SECONDS);
    }
}
