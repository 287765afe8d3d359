package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.UserProperty;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    /** Records hold arrays, so equality is spelled out field by field. */
    static void assertSameMessage(Message expected, Message actual) {
        assertEquals(expected.id(), actual.id());
        assertEquals(expected.topic(), actual.topic());
        assertEquals(expected.qos(), actual.qos());
        assertEquals(expected.retain(), actual.retain());
        assertArrayEquals(expected.payload(), actual.payload());
        assertEquals(expected.sender(), actual.sender());
        assertEquals(expected.expiresAtMillis(), actual.expiresAtMillis());
        PublishProperties e = expected.properties();
        PublishProperties a = actual.properties();
        assertEquals(e.payloadFormatIndicator(), a.payloadFormatIndicator());
        assertEquals(e.messageExpiryInterval(), a.messageExpiryInterval());
        assertEquals(e.contentType(), a.contentType());
        assertEquals(e.responseTopic(), a.responseTopic());
        assertArrayEquals(e.correlationData(), a.correlationData());
        assertEquals(e.userProperties(), a.userProperties());
    }

    @Test
    void aFullV5MessageRoundTrips() {
        Message m = new Message(
                Long.MAX_VALUE,
                "a/b/ü",
                2,
                true,
                new byte[] {0, 1, (byte) 0xFF},
                new PublishProperties(
                        1,
                        4_294_967_295L,
                        "text/plain",
                        "reply/here",
                        new byte[] {9, 8},
                        List.of(new UserProperty("k", "v"), new UserProperty("k", "v2"), new UserProperty("", ""))),
                SubscriberId.of("mp", "client-1"),
                1_765_000_000_123L);
        assertSameMessage(m, MessageCodec.decode(MessageCodec.encode(m)));
    }

    @Test
    void aBareMqtt3MessageRoundTripsWithNoPropertiesAndNoSender() {
        Message m = new Message(0, "t", 0, false, new byte[0], PublishProperties.NONE, null, 0);
        byte[] record = MessageCodec.encode(m);
        Message back = MessageCodec.decode(record);
        assertSameMessage(m, back);
        assertNull(back.sender());
        assertTrue(back.properties().isEmpty());
        // version, id, flags, topic, payload: nothing else is spent on an absent field
        assertEquals(1 + 8 + 1 + 2 + 1, record.length);
    }

    @Test
    void anUnknownVersionIsRefusedByName() {
        byte[] record =
                MessageCodec.encode(new Message(1, "t", 1, false, new byte[] {1}, PublishProperties.NONE, null, 0));
        record[0] = 7;
        CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> MessageCodec.decode(record));
        assertEquals("message format version 7 (this broker reads 1)", e.getMessage());
    }

    @Test
    void everyTruncationIsACorruptRecordNeverAnotherException() {
        byte[] record = MessageCodec.encode(new Message(
                5,
                "topic/x",
                1,
                false,
                "hello".getBytes(StandardCharsets.UTF_8),
                new PublishProperties(0, 60L, "ct", null, new byte[] {1}, List.of(new UserProperty("a", "b"))),
                SubscriberId.of("s"),
                99));
        for (int n = 0; n < record.length; n++) {
            byte[] cut = Arrays.copyOf(record, n);
            assertThrows(CorruptRecordException.class, () -> MessageCodec.decode(cut), "cut at " + n);
        }
        byte[] longer = Arrays.copyOf(record, record.length + 1);
        assertThrows(CorruptRecordException.class, () -> MessageCodec.decode(longer));
    }

    /** Seeded, so a failure names a seed that reproduces it. */
    @Test
    void randomMessagesRoundTrip() {
        for (long seed = 1; seed <= 2000; seed++) {
            Random r = new Random(seed);
            Message m = randomMessage(r);
            try {
                assertSameMessage(m, MessageCodec.decode(MessageCodec.encode(m)));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void damagedRecordsDecodeToAMessageOrACorruptRecordNeverAnotherException() {
        for (long seed = 1; seed <= 2000; seed++) {
            Random r = new Random(seed);
            byte[] record = MessageCodec.encode(randomMessage(r));
            // flip a few bytes, or make up bytes outright
            byte[] bytes = r.nextBoolean() ? record : new byte[r.nextInt(64)];
            if (bytes == record) {
                for (int i = 0; i < 1 + r.nextInt(3); i++) {
                    bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                }
            } else {
                r.nextBytes(bytes);
            }
            try {
                MessageCodec.decode(bytes);
            } catch (CorruptRecordException expected) {
                // the only failure a damaged record may cause
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            }
        }
    }

    private static String randomText(Random r, int max) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(4);
            sb.appendCodePoint(
                    switch (kind) {
                        case 0 -> 'a' + r.nextInt(26);
                        case 1 -> '/';
                        case 2 -> 0xE0 + r.nextInt(0x20); // two UTF-8 bytes
                        default -> 0x1F600 + r.nextInt(0x40); // a surrogate pair, four UTF-8 bytes
                    });
        }
        return sb.toString();
    }

    private static byte[] randomBytes(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    static Message randomMessage(Random r) {
        List<UserProperty> users = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            users.add(new UserProperty(randomText(r, 10), randomText(r, 10)));
        }
        PublishProperties props = r.nextInt(3) == 0
                ? PublishProperties.NONE
                : new PublishProperties(
                        r.nextBoolean() ? r.nextInt(2) : null,
                        r.nextBoolean() ? (long) r.nextInt(Integer.MAX_VALUE) * 2 : null,
                        r.nextBoolean() ? randomText(r, 20) : null,
                        r.nextBoolean() ? randomText(r, 20) : null,
                        r.nextBoolean() ? randomBytes(r, 16) : null,
                        users);
        return new Message(
                r.nextLong(),
                "t" + randomText(r, 60),
                r.nextInt(3),
                r.nextBoolean(),
                randomBytes(r, 300),
                props,
                r.nextBoolean() ? SubscriberId.of(randomText(r, 5), randomText(r, 30)) : null,
                r.nextBoolean() ? Math.abs(r.nextLong()) : 0);
    }
}
