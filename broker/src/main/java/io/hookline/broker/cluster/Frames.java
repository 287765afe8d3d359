package io.hookline.broker.cluster;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The frames nodes send each other on the data plane, and the message encoding the retained map
 * shares. A frame is {@code int length, byte type, body}; strings are {@code int length, UTF-8}.
 * A message carries everything a receiving node routes by (topic, QoS, retain, properties, the
 * sender for no-local, the expiry instant) but not its id: ids are per node ({@code Messages}),
 * so the receiver stamps its own. Stateless; safe on any thread.
 */
final class Frames {

    /** First frame on a link: the sender's member id. */
    static final byte HELLO = 1;
    /** A message to route to the local subscribers of the receiving node. */
    static final byte PUBLISH = 2;
    /** A client id connected elsewhere: close its connection here (v5: DISCONNECT 0x8E). */
    static final byte TAKEOVER = 3;

    /** Frames above this are refused by the decoder (a message is at most max_message_size plus headers). */
    static final int MAX_FRAME = 256 * 1024 * 1024 + 65536;

    private Frames() {}

    static ByteBuf hello(ByteBufAllocator alloc, UUID from) {
        ByteBuf b = start(alloc, HELLO);
        b.writeLong(from.getMostSignificantBits()).writeLong(from.getLeastSignificantBits());
        return finish(b);
    }

    static ByteBuf publish(ByteBufAllocator alloc, Message m) {
        ByteBuf b = start(alloc, PUBLISH);
        writeMessage(b, m);
        return finish(b);
    }

    static ByteBuf takeover(ByteBufAllocator alloc, SubscriberId id) {
        ByteBuf b = start(alloc, TAKEOVER);
        writeString(b, id.mountpoint());
        writeString(b, id.clientId());
        return finish(b);
    }

    static UUID readUuid(ByteBuf b) {
        return new UUID(b.readLong(), b.readLong());
    }

    static SubscriberId readSubscriber(ByteBuf b) {
        String mountpoint = readString(b);
        return SubscriberId.of(mountpoint, readString(b));
    }

    /** The message as bytes (for the retained map), with the node it came from, written now. */
    static byte[] encode(UUID origin, Message m) {
        return encode(origin, m, System.currentTimeMillis());
    }

    /**
     * The message as bytes (for the retained map), with the node it came from and when it was
     * written there ({@code writtenAtMillis}, epoch millis, after the message: the newer of two
     * values written on both sides of a netsplit wins, {@link #writtenAt}).
     */
    static byte[] encode(UUID origin, Message m, long writtenAtMillis) {
        ByteBuf b = Unpooled.buffer(72 + m.topic().length() + m.payload().length);
        try {
            b.writeLong(origin.getMostSignificantBits()).writeLong(origin.getLeastSignificantBits());
            writeMessage(b, m);
            b.writeLong(writtenAtMillis);
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    /** Reads what {@link #encode} wrote: the origin, then the message with {@code id}. */
    static Message decode(byte[] bytes, long id, UUID[] origin) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        origin[0] = readUuid(b);
        return readMessage(b, id);
    }

    /** When a value {@link #encode} wrote was written (epoch millis). */
    static long writtenAt(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("a retained value of " + bytes.length + " bytes");
        }
        return Unpooled.wrappedBuffer(bytes).getLong(bytes.length - 8);
    }

    private static ByteBuf start(ByteBufAllocator alloc, byte type) {
        ByteBuf b = alloc.buffer();
        b.writeInt(0); // length, set by finish
        b.writeByte(type);
        return b;
    }

    private static ByteBuf finish(ByteBuf b) {
        b.setInt(0, b.readableBytes() - 4);
        return b;
    }

    private static final int PFI = 1, MEI = 2, CONTENT_TYPE = 4, RESPONSE_TOPIC = 8, CORRELATION = 16;

    static void writeMessage(ByteBuf b, Message m) {
        b.writeLong(m.expiresAtMillis());
        b.writeByte(m.qos());
        b.writeBoolean(m.retain());
        writeString(b, m.topic());
        writeBytes(b, m.payload());
        PublishProperties p = m.properties();
        int flags = (p.payloadFormatIndicator() != null ? PFI : 0)
                | (p.messageExpiryInterval() != null ? MEI : 0)
                | (p.contentType() != null ? CONTENT_TYPE : 0)
                | (p.responseTopic() != null ? RESPONSE_TOPIC : 0)
                | (p.correlationData() != null ? CORRELATION : 0);
        b.writeByte(flags);
        if (p.payloadFormatIndicator() != null) {
            b.writeByte(p.payloadFormatIndicator());
        }
        if (p.messageExpiryInterval() != null) {
            b.writeLong(p.messageExpiryInterval());
        }
        if (p.contentType() != null) {
            writeString(b, p.contentType());
        }
        if (p.responseTopic() != null) {
            writeString(b, p.responseTopic());
        }
        if (p.correlationData() != null) {
            writeBytes(b, p.correlationData());
        }
        b.writeInt(p.userProperties().size());
        for (UserProperty u : p.userProperties()) {
            writeString(b, u.key());
            writeString(b, u.value());
        }
        SubscriberId sender = m.sender();
        b.writeBoolean(sender != null);
        if (sender != null) {
            writeString(b, sender.mountpoint());
            writeString(b, sender.clientId());
        }
    }

    /** Reads a message written by {@link #writeMessage}, stamped with {@code id} (the receiver's). */
    static Message readMessage(ByteBuf b, long id) {
        long expiresAt = b.readLong();
        int qos = b.readByte();
        boolean retain = b.readBoolean();
        String topic = readString(b);
        byte[] payload = readBytes(b);
        int flags = b.readByte();
        Integer pfi = (flags & PFI) != 0 ? (int) b.readByte() : null;
        Long mei = (flags & MEI) != 0 ? b.readLong() : null;
        String contentType = (flags & CONTENT_TYPE) != 0 ? readString(b) : null;
        String responseTopic = (flags & RESPONSE_TOPIC) != 0 ? readString(b) : null;
        byte[] correlation = (flags & CORRELATION) != 0 ? readBytes(b) : null;
        int n = b.readInt();
        List<UserProperty> users = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            users.add(new UserProperty(readString(b), readString(b)));
        }
        PublishProperties properties = flags == 0 && n == 0
                ? PublishProperties.NONE
                : new PublishProperties(pfi, mei, contentType, responseTopic, correlation, users);
        SubscriberId sender = null;
        if (b.readBoolean()) {
            String mountpoint = readString(b);
            sender = SubscriberId.of(mountpoint, readString(b));
        }
        return new Message(id, topic, qos, retain, payload, properties, sender, expiresAt);
    }

    private static void writeString(ByteBuf b, String s) {
        writeBytes(b, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(ByteBuf b) {
        return new String(readBytes(b), StandardCharsets.UTF_8);
    }

    private static void writeBytes(ByteBuf b, byte[] bytes) {
        b.writeInt(bytes.length);
        b.writeBytes(bytes);
    }

    private static byte[] readBytes(ByteBuf b) {
        int n = b.readInt();
        if (n < 0 || n > b.readableBytes()) {
            throw new IllegalArgumentException("bad length " + n + " in a cluster frame");
        }
        byte[] out = new byte[n];
        b.readBytes(out);
        return out;
    }
}
