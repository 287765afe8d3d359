package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.UserProperty;
import io.hookline.broker.session.SessionSnapshot;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.SessionRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a session carries from one node to another survives the trip, field by field; a bad count is refused. */
class MigrationFramesTest {

    private static final SubscriberId ID = SubscriberId.of("mp", "client");
    private final AtomicLong ids = new AtomicLong(1000);

    private static Message message(String topic, String payload) {
        PublishProperties props = new PublishProperties(
                1, 60L, "text/plain", "reply/to", new byte[] {1, 2}, List.of(new UserProperty("k", "v")));
        return new Message(
                7,
                topic,
                2,
                true,
                payload.getBytes(StandardCharsets.UTF_8),
                props,
                SubscriberId.of("mp", "pub"),
                12345L);
    }

    /** Encodes with {@code frame}, then reads it back as the receiving data plane does (length and type first). */
    private MigrationFrames.In trip(ByteBuf frame) {
        try {
            assertEquals(frame.readableBytes() - 4, frame.readInt(), "length prefix");
            byte type = frame.readByte();
            MigrationFrames.In in = MigrationFrames.read(type, frame, ids::incrementAndGet);
            assertEquals(0, frame.readableBytes(), "every byte read");
            return in;
        } finally {
            frame.release();
        }
    }

    @Test
    void aSessionsStateTravelsWhole() {
        SessionRecord record = new SessionRecord(ID, 5, "user", 300, 99L, message("will/t", "bye"), 30, 50, null);
        Subscription sub = new Subscription(ID, "a/+/c", null, new SubscriptionOptions(2, true, true, 2), 42);
        Subscription shared = new Subscription(ID, "s/#", "g", SubscriptionOptions.ofQos(1), 0);
        Delivery inflight = new Delivery(message("a/b/c", "x"), 2, false, List.of(42, 43));
        SessionSnapshot snapshot = new SessionSnapshot(
                record, List.of(sub, shared), List.of(new InflightRecord(9, inflight, true)), List.of(77, 78));

        MigrationFrames.In in = trip(MigrationFrames.state(ByteBufAllocator.DEFAULT, 5, snapshot));
        assertEquals(Frames.MIGRATE_STATE, in.type());
        assertEquals(5, in.move());
        SessionSnapshot got = in.snapshot();
        SessionRecord r = got.record();
        assertEquals(ID, r.id());
        assertEquals(5, r.protocolVersion());
        assertEquals("user", r.username());
        assertEquals(300, r.expirySeconds());
        assertEquals(99L, r.disconnectedAtMillis());
        assertEquals("will/t", r.will().topic());
        assertEquals(30, r.willDelaySeconds());
        assertEquals(50, r.maxOnlineMessages());
        assertNull(r.maxOfflineMessages());
        assertEquals(List.of(sub, shared), got.subscriptions());
        InflightRecord f = got.inflight().get(0);
        assertEquals(9, f.packetId());
        assertTrue(f.released());
        assertEquals(2, f.delivery().qos());
        assertEquals(List.of(42, 43), f.delivery().subscriptionIds());
        Message m = f.delivery().message();
        assertEquals("a/b/c", m.topic());
        assertEquals(12345L, m.expiresAtMillis());
        assertEquals("reply/to", m.properties().responseTopic());
        assertArrayEquals(new byte[] {1, 2}, m.properties().correlationData());
        assertEquals(SubscriberId.of("mp", "pub"), m.sender());
        assertTrue(m.id() > 1000, "the receiver's own id");
        assertEquals(List.of(77, 78), got.awaitingRelease());
    }

    @Test
    void noSessionIsSaidAsSuch() {
        MigrationFrames.In in = trip(MigrationFrames.state(ByteBufAllocator.DEFAULT, 6, null));
        assertNull(in.snapshot());
    }

    @Test
    void pagesAndTheTailKeepTheirOrder() {
        List<Delivery> page = List.of(
                new Delivery(message("q", "1"), 1, false, List.of()),
                new Delivery(message("q", "2"), 0, true, List.of(5)));
        MigrationFrames.In in = trip(MigrationFrames.page(ByteBufAllocator.DEFAULT, 3, 1234L, page));
        assertEquals(1234L, in.cursor());
        assertEquals(
                List.of("1", "2"),
                in.deliveries().stream()
                        .map(d -> new String(d.message().payload(), StandardCharsets.UTF_8))
                        .toList());
        assertTrue(in.deliveries().get(1).retain());

        MigrationFrames.In done = trip(MigrationFrames.done(ByteBufAllocator.DEFAULT, 3, true, page));
        assertTrue(done.flag());
        assertEquals(2, done.deliveries().size());
    }

    @Test
    void askAndPushNameTheClient() {
        MigrationFrames.In ask = trip(MigrationFrames.ask(ByteBufAllocator.DEFAULT, 8, ID, true));
        assertEquals(ID, ask.client());
        assertTrue(ask.flag(), "clean start");
        assertEquals(
                ID, trip(MigrationFrames.push(ByteBufAllocator.DEFAULT, ID)).client());
        assertEquals(
                11L, trip(MigrationFrames.pull(ByteBufAllocator.DEFAULT, 8, 11)).cursor());
    }

    @Test
    void anAbortSaysWhyAndOneWithoutAReasonStillReads() {
        MigrationFrames.In abort = trip(MigrationFrames.abort(ByteBufAllocator.DEFAULT, 8, "not stored: disk full"));
        assertEquals(8L, abort.move());
        assertEquals("not stored: disk full", abort.reason());
        ByteBuf bare = ByteBufAllocator.DEFAULT.buffer();
        try {
            bare.writeLong(9); // an ABORT as nodes before the reason sent it: the move's id only
            assertEquals(
                    null,
                    MigrationFrames.read(Frames.MIGRATE_ABORT, bare, ids::incrementAndGet)
                            .reason());
        } finally {
            bare.release();
        }
    }

    @Test
    void aBadCountIsRefusedNotAllocated() {
        ByteBuf b = ByteBufAllocator.DEFAULT.buffer();
        try {
            b.writeLong(1).writeLong(0).writeInt(Integer.MAX_VALUE); // PAGE: move, next, count
            assertThrows(
                    IllegalArgumentException.class,
                    () -> MigrationFrames.read(Frames.MIGRATE_PAGE, b, ids::incrementAndGet));
        } finally {
            b.release();
        }
    }
}
