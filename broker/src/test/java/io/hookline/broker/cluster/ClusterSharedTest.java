package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.Router;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The choice of node for a shared group's member, without a cluster: a real {@link Router} over a
 * trie with local members, the other nodes' member counts put into the mirror as the map events
 * would, and the frames the node would send captured.
 */
class ClusterSharedTest {

    private static final UUID SELF = new UUID(0, 1);
    private static final UUID B = new UUID(0, 2);
    private static final UUID C = new UUID(0, 3);

    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final Map<SubscriberId, List<Delivery>> delivered = new HashMap<>();
    private final AtomicReference<SharedSubscriptionPolicy> brokerPolicy =
            new AtomicReference<>(SharedSubscriptionPolicy.RANDOM);
    private final Router router = new Router(trie, this::recipient, brokerPolicy::get);
    private final SharedRoutes routes = new SharedRoutes();
    private final List<UUID> sentTo = new ArrayList<>();
    private final List<Frames.Shared> sent = new ArrayList<>();
    private final List<UUID> gone = new ArrayList<>();
    private final ClusterShared shared = new ClusterShared(routes, router, this::send);

    ClusterSharedTest() {
        router.shareWith(shared);
        shared.start(SELF);
    }

    private final List<CompletableFuture<Void>> acks = new ArrayList<>(); // one per QoS 1/2 frame sent

    private CompletionStage<Void> send(UUID node, byte type, int qos, Consumer<ByteBuf> body) {
        if (gone.contains(node)) {
            return null;
        }
        ByteBuf frame = Frames.message(ByteBufAllocator.DEFAULT, type, body);
        try {
            frame.skipBytes(4);
            assertEquals(Frames.SHARED, frame.readByte());
            sent.add(Frames.readShared(frame, 0));
            sentTo.add(node);
        } finally {
            frame.release();
        }
        if (qos == 0) {
            return StoreBatch.DONE;
        }
        CompletableFuture<Void> acked = new CompletableFuture<>();
        acks.add(acked);
        return acked;
    }

    /** A batch that records what its commit would wait for besides its own writes. */
    private static final class Awaiting implements StoreBatch {
        final List<CompletionStage<Void>> also = new ArrayList<>();

        @Override
        public boolean awaitAlso(CompletionStage<Void> step) {
            also.add(step);
            return true;
        }

        @Override
        public CompletionStage<Void> commit() {
            return StoreBatch.DONE;
        }
    }

    private Recipient recipient(SubscriberId id) {
        return new Recipient() {
            @Override
            public boolean isOnline() {
                return true;
            }

            @Override
            public boolean offer(Delivery d, StoreBatch batch) {
                delivered.computeIfAbsent(id, k -> new ArrayList<>()).add(d);
                return false;
            }
        };
    }

    private void member(String client, String group, String filter) {
        trie.add(new Subscription(SubscriberId.of(client), filter, group, SubscriptionOptions.ofQos(1), 0));
    }

    private void remote(UUID node, String group, String filter, int members) {
        routes.mirror(node + "\0" + group + "\0" + filter, members);
    }

    private static Message message(String topic) {
        return new Message(1, topic, 1, false, new byte[] {1}, PublishProperties.NONE, null, 0);
    }

    private int here() {
        return delivered.values().stream().mapToInt(List::size).sum();
    }

    @Test
    void randomSpreadsOverEveryMemberOfTheClusterEachMessageOnce() {
        member("local", "g", "s/#");
        remote(B, "g", "s/#", 3);
        int n = 400;
        for (int i = 0; i < n; i++) {
            assertEquals(1, router.route(message("s/x")), "one member of the group");
        }
        assertEquals(n, here() + sent.size(), "each message once");
        assertTrue(here() > 0 && !sent.isEmpty(), "both nodes: here " + here() + ", b " + sent.size());
        assertTrue(sentTo.stream().allMatch(B::equals));
        assertEquals("g", sent.get(0).group());
        assertEquals("s/#", sent.get(0).filter());
        assertEquals(List.of(), sent.get(0).tried());
    }

    @Test
    void roundRobinTakesEveryMemberOfTheClusterInTurn() {
        member("local", "g", "s/#");
        remote(B, "g", "s/#", 1);
        remote(C, "g", "s/#", 2);
        brokerPolicy.set(SharedSubscriptionPolicy.ROUND_ROBIN);
        for (int i = 0; i < 8; i++) {
            router.route(message("s/x"));
        }
        assertEquals(2, here());
        assertEquals(List.of(B, C, C, B, C, C), sentTo);
    }

    @Test
    void preferLocalStaysHereWhileThereIsAMemberAndLocalOnlyNeverLeaves() {
        member("local", "g", "s/#");
        remote(B, "g", "s/#", 5);
        remote(B, "only-b", "s/#", 1);
        brokerPolicy.set(SharedSubscriptionPolicy.PREFER_LOCAL);
        for (int i = 0; i < 20; i++) {
            assertEquals(2, router.route(message("s/x")));
        }
        assertEquals(20, here(), "g: the member here");
        assertEquals(20, sent.size(), "only-b has no member here: b's");
        assertTrue(sent.stream().allMatch(f -> f.group().equals("only-b")));

        sent.clear();
        brokerPolicy.set(SharedSubscriptionPolicy.LOCAL_ONLY);
        for (int i = 0; i < 20; i++) {
            assertEquals(1, router.route(message("s/x")), "only g, here");
        }
        assertEquals(40, here());
        assertEquals(List.of(), sent, "local_only never crosses");
    }

    @Test
    void aNodeThatJustLeftIsSkippedForAMemberHereOrAnotherNode() {
        remote(B, "g", "s/#", 1);
        remote(C, "g", "s/#", 1);
        gone.add(B);
        for (int i = 0; i < 20; i++) {
            assertEquals(1, router.route(message("s/x")));
        }
        assertEquals(List.of(C), sentTo.stream().distinct().toList());
        assertEquals(20, sent.size());
    }

    @Test
    void aForwardedMessageIsRoutedToDirectSubscribersOnly() {
        member("local", "g", "s/#");
        trie.add(new Subscription(SubscriberId.of("direct"), "s/#", null, SubscriptionOptions.ofQos(1), 0));
        assertEquals(1, router.routeDirect(message("s/x"), StoreBatch.NONE));
        assertEquals(List.of(SubscriberId.of("direct")), List.copyOf(delivered.keySet()));
    }

    @Test
    void aNodeWithNoMemberLeftPassesTheMessageOnThenDropsIt() {
        remote(B, "g", "s/#", 1);
        remote(C, "g", "s/#", 1);
        shared.received(C, new Frames.Shared("g", "s/#", 0, List.of(C), message("s/x")), StoreBatch.NONE);
        assertEquals(List.of(B), sentTo, "not back to c, which had none");
        assertEquals(List.of(C, SELF), sent.get(0).tried());

        sent.clear();
        shared.received(B, new Frames.Shared("g", "s/#", 0, List.of(C, B), message("s/x")), StoreBatch.NONE);
        assertEquals(List.of(), sent, "every node tried");
        assertEquals(1, shared.lost());

        member("local", "g", "s/#");
        shared.received(B, new Frames.Shared("g", "s/#", 0, List.of(B), message("s/x")), StoreBatch.NONE);
        assertEquals(1, here(), "a member here takes it");
        assertEquals(1, shared.lost());
    }

    @Test
    void aQos1MessageForAnotherNodeIsAwaitedByThePublishersBatchAndAPassedOnOneByTheReceivers() {
        remote(B, "g", "s/#", 1);
        Awaiting publishing = new Awaiting();
        assertEquals(1, shared.dispatch(List.of(), message("s/x"), SharedSubscriptionPolicy.RANDOM, null, publishing));
        assertEquals(List.of(B), sentTo);
        assertEquals(List.of(acks.get(0)), publishing.also, "the PUBACK waits for b's acknowledgement");

        // this node was chosen by c but has no member: passed on to b, and acknowledged to c after b's
        remote(C, "g", "s/#", 1);
        Awaiting receiving = new Awaiting();
        shared.received(C, new Frames.Shared("g", "s/#", 0, List.of(C), message("s/y")), receiving);
        assertEquals(List.of(B, B), sentTo, "c tried: b");
        assertEquals(1, receiving.also.size(), "this node's acknowledgement waits for b's");
        CompletableFuture<Void> waits = receiving.also.get(0).toCompletableFuture();
        assertTrue(!waits.isDone(), "not before b acknowledged (or " + ClusterShared.PASS_ON_WAIT_MILLIS + " ms)");
        acks.get(1).complete(null);
        assertTrue(waits.isDone());
        assertEquals(1, shared.passedOn());

        Awaiting qos0 = new Awaiting();
        Message m0 = new Message(1, "s/z", 0, false, new byte[] {1}, PublishProperties.NONE, null, 0);
        shared.dispatch(List.of(), m0, SharedSubscriptionPolicy.RANDOM, null, qos0);
        assertEquals(List.of(), qos0.also, "QoS 0 crosses at most once: nothing waits");
        assertEquals(2, acks.size());
    }

    @Test
    void theSharedDirectAndCountedFramesRoundTrip() {
        Message m = new Message(9, "s/x", 2, false, new byte[] {7}, PublishProperties.NONE, SubscriberId.of("p"), 5L);
        ByteBuf f = Frames.shared(
                io.netty.buffer.ByteBufAllocator.DEFAULT, new Frames.Shared("g", "s/#", 1, List.of(B, C), m));
        try {
            assertEquals(f.readableBytes() - 4, f.readInt(), "length");
            assertEquals(Frames.SHARED, f.readByte());
            Frames.Shared back = Frames.readShared(f, 3);
            assertEquals(new Frames.Shared("g", "s/#", 1, List.of(B, C), back.message()), back);
            assertEquals(3, back.message().id(), "the receiver's id");
            assertEquals(SubscriberId.of("p"), back.message().sender());
            assertEquals(2, back.message().qos());
        } finally {
            f.release();
        }
        ByteBuf d = Frames.direct(io.netty.buffer.ByteBufAllocator.DEFAULT, SubscriberId.of("m/", "bob"), m);
        try {
            d.skipBytes(4);
            assertEquals(Frames.DIRECT, d.readByte());
            assertEquals(SubscriberId.of("m/", "bob"), Frames.readSubscriber(d));
            assertEquals("s/x", Frames.readMessage(d, 4).topic());
        } finally {
            d.release();
        }
        ByteBuf c = Frames.counted(io.netty.buffer.ByteBufAllocator.DEFAULT, 42L, 3);
        try {
            c.skipBytes(4);
            assertEquals(Frames.COUNTED, c.readByte());
            assertEquals(42L, c.readLong());
            assertEquals(3, c.readInt());
        } finally {
            c.release();
        }
    }
}
