package io.hookline.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.testsupport.CuttableProxy;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * QoS 1/2 forwarding between two data planes is acknowledged: the sender's stage completes only
 * once the receiver's store write for it did; a broken link (a real TCP connection cut through a
 * proxy) loses nothing and routes nothing twice; a node that leaves completes what waited for it;
 * a failed store write fails the stage; a link with too much unacknowledged pauses its publishers
 * and lets them go below half of the mark.
 */
class AckedForwardingTest {

    private final UUID sender = UUID.randomUUID();
    private final UUID node = UUID.randomUUID();

    /** A receiving node whose store writes complete when the test says (or at once). */
    private static final class Receiving implements DataPlane.Receiver {
        final UUID member;
        final List<String> routed = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> stores = new CopyOnWriteArrayList<>();
        final boolean holdStores;

        /** @param holdStores its store writes wait for the test to complete them */
        Receiving(UUID member, boolean holdStores) {
            this.member = member;
            this.holdStores = holdStores;
        }

        @Override
        public boolean isMember(UUID n) {
            return n.equals(member);
        }

        @Override
        public CompletionStage<Void> publish(UUID from, Message message, Consumer<List<Recipient>> congested) {
            return arrived(message.topic());
        }

        @Override
        public CompletionStage<Void> frame(UUID from, byte type, ByteBuf body) {
            SubscriberId to = Frames.readSubscriber(body); // DIRECT frames only in these tests
            return arrived(type + " " + to.clientId() + " "
                    + Frames.readMessage(body, 0).topic());
        }

        /** Notes what was routed; its store write completes now, or when the test says. */
        private CompletionStage<Void> arrived(String what) {
            routed.add(what);
            CompletableFuture<Void> stored = new CompletableFuture<>();
            stores.add(stored);
            if (!holdStores) {
                stored.complete(null);
            }
            return stored;
        }

        @Override
        public void takeover(UUID from, SubscriberId client) {}
    }

    /** The sending node: counts congestion and drain events. */
    private static final class Sending implements DataPlane.Receiver {
        final AtomicInteger congested = new AtomicInteger();
        final List<Recipient> drained = new CopyOnWriteArrayList<>();

        @Override
        public boolean isMember(UUID n) {
            return true;
        }

        @Override
        public CompletionStage<Void> publish(UUID from, Message message, Consumer<List<Recipient>> congested) {
            throw new AssertionError("nothing is sent to the sender");
        }

        @Override
        public void takeover(UUID from, SubscriberId client) {}

        @Override
        public void linkCongested(UUID n) {
            congested.incrementAndGet();
        }

        @Override
        public void linkDrained(Recipient link) {
            drained.add(link);
        }
    }

    /** The receiving data plane, bound on an ephemeral port, and the sending one ({@code out}). */
    private record Link(DataPlane in, DataPlane out, InetSocketAddress bound) implements AutoCloseable {
        @Override
        public void close() {
            try (in) {
                out.close();
            }
        }
    }

    /** Binds a data plane for {@code receiving} and makes {@code out} the sender's. */
    private Link link(Receiving receiving, DataPlane out) {
        DataPlane in = new DataPlane(receiving);
        try {
            InetSocketAddress bound = in.bind("127.0.0.1", 0);
            out.setSelf(sender);
            return new Link(in, out, bound);
        } catch (RuntimeException e) {
            in.close();
            out.close();
            throw e;
        }
    }

    private static Message message(String topic, int qos, int size) {
        return new Message(1, topic, qos, false, new byte[size], PublishProperties.NONE, null, 0);
    }

    /**
     * Sends 300 QoS 2 frames through {@code proxy} with {@code send}, cutting the connection in the
     * middle of the stream (frames in flight are lost with it) and restoring it later; returns
     * once every stage completed.
     */
    private static void sendAcrossACut(
            CuttableProxy proxy, Receiving receiving, IntFunction<CompletionStage<Void>> send) {
        List<CompletionStage<Void>> acked = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            acked.add(send.apply(i));
            if (i == 100) {
                await().until(() -> receiving.routed.size() > 50);
                proxy.cut();
            }
            if (i == 200) {
                proxy.restore();
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        acked.stream().allMatch(a -> a.toCompletableFuture().isDone()));
    }

    /** What {@link #sendAcrossACut} routes when each frame arrives once, in order. */
    private static List<String> eachOnceInOrder(IntFunction<String> routed) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            expected.add(routed.apply(i));
        }
        return expected;
    }

    @Test
    void theStageCompletesOnlyOnceTheReceiverStoredIt() {
        Receiving receiving = new Receiving(sender, true);
        try (Link link = link(receiving, new DataPlane(new Sending()))) {
            DataPlane out = link.out();
            List<CompletionStage<Void>> acked = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                acked.add(out.publish(node, link.bound(), message("t/" + i, 1, 10)));
            }
            assertNull(out.publish(node, link.bound(), message("qos0", 0, 10)), "QoS 0: nothing to wait for");
            await().until(() -> receiving.routed.size() == 4);
            assertFalse(acked.get(0).toCompletableFuture().isDone(), "not stored on the receiver yet");
            receiving.stores.get(1).complete(null); // stored before the first: acknowledged with it
            receiving.stores.get(3).complete(null); // the QoS 0 one: nobody waits
            assertFalse(acked.get(0).toCompletableFuture().isDone(), "the first is still not stored");
            receiving.stores.get(0).complete(null);
            await().until(() -> acked.get(0).toCompletableFuture().isDone()
                    && acked.get(1).toCompletableFuture().isDone());
            assertFalse(acked.get(2).toCompletableFuture().isDone());
            receiving.stores.get(2).completeExceptionally(new IllegalStateException("disk full"));
            await().until(() -> acked.get(2).toCompletableFuture().isDone());
            assertTrue(acked.get(2).toCompletableFuture().isCompletedExceptionally(), "a failed write fails the stage");
            assertFalse(acked.get(0).toCompletableFuture().isCompletedExceptionally());
        }
    }

    @Test
    void aBrokenLinkLosesNothingAndRoutesNothingTwice() {
        Receiving receiving = new Receiving(sender, false);
        try (Link link = link(receiving, new DataPlane(new Sending()));
                CuttableProxy proxy = new CuttableProxy(link.bound())) {
            DataPlane out = link.out();
            sendAcrossACut(proxy, receiving, i -> out.publish(node, proxy.address(), message("m/" + i, 2, 100)));
            assertTrue(proxy.accepted() >= 2, "the link connected again");
            assertEquals(eachOnceInOrder(i -> "m/" + i), receiving.routed, "each once, in order");
            assertTrue(out.resent() > 0, "unacknowledged frames were resent");
            assertEquals(0, out.unackedBytes());
        }
    }

    @Test
    void directFramesShareTheLinksNumberingAckAfterTheReceiverIsDoneAndSurviveABrokenLink() {
        Receiving receiving = new Receiving(sender, true);
        try (Link link = link(receiving, new DataPlane(new Sending()))) {
            DataPlane out = link.out();
            InetSocketAddress bound = link.bound();
            SubscriberId bob = SubscriberId.of("bob");
            CompletionStage<Void> first =
                    out.forward(node, bound, Frames.DIRECT, 1, Frames.directBody(bob, message("d/0", 1, 10)));
            CompletionStage<Void> routed = out.publish(node, bound, message("p/1", 1, 10));
            assertEquals(
                    StoreBatch.DONE,
                    out.forward(node, bound, Frames.DIRECT, 0, Frames.directBody(bob, message("d/q0", 0, 10))),
                    "QoS 0: at most once, nothing to wait for");
            await().until(() -> receiving.routed.size() == 3);
            assertEquals(List.of(Frames.DIRECT + " bob d/0", "p/1", Frames.DIRECT + " bob d/q0"), receiving.routed);
            receiving.stores.get(1).complete(null);
            assertFalse(first.toCompletableFuture().isDone(), "the receiver is not done with it");
            receiving.stores.get(0).complete(null);
            await().until(() -> first.toCompletableFuture().isDone()
                    && routed.toCompletableFuture().isDone());
            assertEquals(3, link.in().received(), "every frame with a message counts");
            assertEquals(3, out.published());
        }

        Receiving again = new Receiving(sender, false);
        try (Link link = link(again, new DataPlane(new Sending()));
                CuttableProxy proxy = new CuttableProxy(link.bound())) {
            DataPlane out = link.out();
            SubscriberId c = SubscriberId.of("c");
            sendAcrossACut(
                    proxy,
                    again,
                    i -> out.forward(
                            node, proxy.address(), Frames.DIRECT, 2, Frames.directBody(c, message("m/" + i, 2, 100))));
            assertEquals(eachOnceInOrder(i -> Frames.DIRECT + " c m/" + i), again.routed, "each once, in order");
            assertTrue(out.resent() > 0, "unacknowledged frames were resent");
        }
    }

    @Test
    void aNodeThatLeavesCompletesWhatWaitedForIt() {
        Receiving receiving = new Receiving(sender, true);
        try (Link link = link(receiving, new DataPlane(new Sending()))) {
            DataPlane out = link.out();
            InetSocketAddress bound = link.bound();
            CompletionStage<Void> acked = out.publish(node, bound, message("t", 1, 10));
            await().until(() -> receiving.routed.size() == 1);
            out.forget(node);
            await().until(() -> acked.toCompletableFuture().isDone());
            assertFalse(acked.toCompletableFuture().isCompletedExceptionally(), "its routes are gone: done");
            assertNull(out.publish(node, bound, message("t", 1, 10)), "no new link to a node that left");
        }
    }

    @Test
    void tooMuchUnacknowledgedCongestsTheLinkUntilHalfIsAcknowledged() {
        Receiving receiving = new Receiving(sender, true);
        Sending sending = new Sending();
        try (Link planes = link(receiving, new DataPlane(sending, 10_000, null))) {
            DataPlane out = planes.out();
            InetSocketAddress bound = planes.bound();
            for (int i = 0; i < 9; i++) {
                out.publish(node, bound, message("t/" + i, 1, 1000));
            }
            assertNull(out.congested(node), "below the mark");
            out.publish(node, bound, message("t/9", 1, 1000));
            out.publish(node, bound, message("t/10", 1, 1000));
            Recipient link = out.congested(node);
            assertNotNull(link, "above 10,000 bytes unacknowledged");
            assertEquals(1, sending.congested.get());
            await().until(() -> receiving.stores.size() == 11);
            for (int i = 0; i < 3; i++) {
                receiving.stores.get(i).complete(null); // 8 left: above half the mark
            }
            await().until(() -> out.unackedBytes() < 9000);
            assertNotNull(out.congested(node), "still above the low mark");
            for (int i = 3; i < 7; i++) {
                receiving.stores.get(i).complete(null); // 4 left: below half
            }
            await().until(() -> sending.drained.contains(link));
            assertNull(out.congested(node));
        }
    }
}
