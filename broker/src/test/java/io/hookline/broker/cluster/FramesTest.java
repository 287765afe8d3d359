package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What travels between nodes: every field a receiving node routes by, and nothing of the id. */
class FramesTest {

    private static final UUID NODE = UUID.randomUUID();

    @Test
    void aMessageWithEveryPropertyRoundTripsWithTheReceiversId() {
        Message m = new Message(
                77,
                "a/b",
                2,
                true,
                "payload".getBytes(StandardCharsets.UTF_8),
                new PublishProperties(
                        1, 60L, "text/plain", "re/ply", new byte[] {1, 2}, List.of(new UserProperty("k", "v"))),
                SubscriberId.of("tenant/", "c1"),
                1_234_567L);
        UUID[] origin = new UUID[1];
        Message back = Frames.decode(Frames.encode(NODE, m), 5, origin);
        assertEquals(NODE, origin[0]);
        assertEquals(5, back.id(), "ids are the receiver's");
        assertEquals(m.topic(), back.topic());
        assertEquals(2, back.qos());
        assertEquals(true, back.retain());
        assertArrayEquals(m.payload(), back.payload());
        assertEquals(SubscriberId.of("tenant/", "c1"), back.sender(), "for no-local");
        assertEquals(1_234_567L, back.expiresAtMillis());
        PublishProperties p = back.properties();
        assertEquals(1, p.payloadFormatIndicator());
        assertEquals(60L, p.messageExpiryInterval());
        assertEquals("text/plain", p.contentType());
        assertEquals("re/ply", p.responseTopic());
        assertArrayEquals(new byte[] {1, 2}, p.correlationData());
        assertEquals(List.of(new UserProperty("k", "v")), p.userProperties());
    }

    @Test
    void aBrokerMessageHasNoSenderAndNoProperties() {
        Message m = new Message(1, "$SYS/x", 0, false, new byte[0], PublishProperties.NONE, null, 0);
        Message back = Frames.decode(Frames.encode(NODE, m), 9, new UUID[1]);
        assertNull(back.sender());
        assertSame(PublishProperties.NONE, back.properties());
        assertEquals(0, back.payload().length);
    }

    @Test
    void aRetainedValueCarriesWhenItWasWrittenAndStillDecodes() {
        Message m =
                new Message(1, "r/t", 1, true, "v".getBytes(StandardCharsets.UTF_8), PublishProperties.NONE, null, 0);
        byte[] older = Frames.encode(NODE, m, 1_000);
        byte[] newer = Frames.encode(NODE, m, 2_000);
        assertEquals(1_000, Frames.writtenAt(older));
        assertEquals(2_000, Frames.writtenAt(newer));
        assertEquals("r/t", Frames.decode(newer, 3, new UUID[1]).topic(), "the time after the message is ignored");
        assertThrows(IllegalArgumentException.class, () -> Frames.writtenAt(new byte[3]));
    }

    @Test
    void aLengthBeyondTheFrameIsRefused() {
        ByteBuf b = Unpooled.buffer();
        b.writeLong(0).writeByte(1).writeBoolean(false).writeInt(1000); // topic length past the end
        try {
            assertThrows(IllegalArgumentException.class, () -> Frames.readMessage(b, 1));
        } finally {
            b.release();
        }
    }
}
