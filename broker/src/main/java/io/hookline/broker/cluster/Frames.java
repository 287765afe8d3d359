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
    /** Session migration (20-29): {@link MigrationFrames}. */
    static final byte MIGRATE_ASK = 20,
            MIGRATE_STATE = 21,
            MIGRATE_PULL = 22,
            MIGRATE_PAGE = 23,
            MIGRATE_COMMIT = 24,
            MIGRATE_DONE = 25,
            MIGRATE_ABORT = 26,
            MIGRATE_PUSH = 27;
    /** A message for one member of a shared group on the receiving node ({@link ClusterShared}). */
    static final byte SHARED = 30;
    /** A direct message ({@code $direct/...}, the HTTP API) for a client connected on the receiving node. */
    static final byte DIRECT = 31;
    /** A message to route, as {@link #PUBLISH}, whose sender wants to know how many sessions took it. */
    static final byte PUBLISH_COUNTED = 32;
    /** The answer to a {@link #PUBLISH_COUNTED}: its request id and how many sessions took the message. */
    static final byte COUNTED = 33;
    /** A QoS 1/2 message as {@link #PUBLISH}, with the link's epoch and sequence number: acknowledged by {@link #ACK}. */
    static final byte PUBLISH_ACKED = 60;
    /** Receiver to sender: every {@link #PUBLISH_ACKED} of an epoch up to a sequence number is stored (some failed). */
    static final byte ACK = 61;

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

    /** {@code int length, byte type, long epoch, long seq, message}. */
    static ByteBuf publishAcked(ByteBufAllocator alloc, long epoch, long seq, Message m) {
        ByteBuf b = start(alloc, PUBLISH_ACKED);
        b.writeLong(epoch).writeLong(seq);
        writeMessage(b, m);
        return finish(b);
    }

    /** {@code long epoch, long upTo, int n, long failed...}: the frames up to {@code upTo} are done, {@code failed} not stored. */
    static ByteBuf ack(ByteBufAllocator alloc, long epoch, long upTo, long[] failed, int nFailed) {
        ByteBuf b = start(alloc, ACK);
        b.writeLong(epoch).writeLong(upTo).writeInt(nFailed);
        for (int i = 0; i < nFailed; i++) {
            b.writeLong(failed[i]);
        }
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

    static ByteBuf start(ByteBufAllocator alloc, byte type) {
        ByteBuf b = alloc.buffer();
        b.writeInt(0); // length, set by finish
        b.writeByte(type);
        return b;
    }

    static ByteBuf finish(ByteBuf b) {
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

    static void writeString(ByteBuf b, String s) {
        writeBytes(b, s.getBytes(StandardCharsets.UTF_8));
    }

    static String readString(ByteBuf b) {
        return new String(readBytes(b), StandardCharsets.UTF_8);
    }

    static void writeBytes(ByteBuf b, byte[] bytes) {
        b.writeInt(bytes.length);
        b.writeBytes(bytes);
    }

    static byte[] readBytes(ByteBuf b) {
        int n = b.readInt();
        if (n < 0 || n > b.readableBytes()) {
            throw new IllegalArgumentException("bad length " + n + " in a cluster frame");
        }
        byte[] out = new byte[n];
        b.readBytes(out);
        return out;
    }

    /** A message for a shared group's member, with the policy and the nodes that had no member for it. */
    record Shared(String group, String filter, int policy, List<UUID> tried, Message message) {}

    static ByteBuf shared(ByteBufAllocator alloc, Shared f) {
        ByteBuf b = start(alloc, SHARED);
        writeString(b, f.group());
        writeString(b, f.filter());
        b.writeByte(f.policy());
        b.writeByte(f.tried().size());
        for (UUID node : f.tried()) {
            b.writeLong(node.getMostSignificantBits()).writeLong(node.getLeastSignificantBits());
        }
        writeMessage(b, f.message());
        return finish(b);
    }

    /** Reads the body of a {@link #SHARED} frame (after its type); the message gets {@code id}. */
    static Shared readShared(ByteBuf b, long id) {
        String group = readString(b);
        String filter = readString(b);
        int policy = b.readByte();
        int n = b.readUnsignedByte();
        List<UUID> tried = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tried.add(readUuid(b));
        }
        return new Shared(group, filter, policy, tried, readMessage(b, id));
    }

    static ByteBuf direct(ByteBufAllocator alloc, SubscriberId to, Message m) {
        ByteBuf b = start(alloc, DIRECT);
        writeString(b, to.mountpoint());
        writeString(b, to.clientId());
        writeMessage(b, m);
        return finish(b);
    }

    static ByteBuf publishCounted(ByteBufAllocator alloc, long request, Message m) {
        ByteBuf b = start(alloc, PUBLISH_COUNTED);
        b.writeLong(request);
        writeMessage(b, m);
        return finish(b);
    }

    static ByteBuf counted(ByteBufAllocator alloc, long request, int sessions) {
        ByteBuf b = start(alloc, COUNTED);
        b.writeLong(request);
        b.writeInt(sessions);
        return finish(b);
    }
}
