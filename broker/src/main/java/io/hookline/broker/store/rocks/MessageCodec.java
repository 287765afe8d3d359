package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.UserProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The one binary encoding of a message, used for queued, in-flight and retained messages (and
 * meant for the node-to-node link). Version 1 layout:
 *
 * <pre>
 * u8      format version (1)
 * i64     message id
 * u8      flags: bits 0-1 qos, bit 2 retain, bit 3 sender present, bit 4 expiry present,
 *         bit 5 properties present
 * i64     expiry, epoch milliseconds        (if bit 4)
 * string  sender mountpoint, string client id (if bit 3)
 * props   see below                         (if bit 5)
 * bytes   topic (UTF-8)
 * bytes   payload
 *
 * props:  u8 mask: 0 payload format, 1 expiry interval, 2 content type, 3 response topic,
 *         4 correlation data, 5 user properties; then each present field in that order
 *         (u8; varint; string; string; bytes; varint count + count × (string, string))
 * </pre>
 *
 * Strings and byte arrays are a varint length and the bytes. Stateless and thread-safe.
 */
public final class MessageCodec {

    public static final int VERSION = 1;

    private static final int RETAIN = 1 << 2;
    private static final int HAS_SENDER = 1 << 3;
    private static final int HAS_EXPIRY = 1 << 4;
    private static final int HAS_PROPERTIES = 1 << 5;

    private MessageCodec() {}

    public static byte[] encode(Message m) {
        Encoder out = new Encoder(32 + m.topic().length() + m.payload().length);
        write(out, m);
        return out.toByteArray();
    }

    public static Message decode(byte[] record) {
        Decoder in = new Decoder(record);
        Message m = read(in);
        in.expectEnd("message record");
        return m;
    }

    static void write(Encoder out, Message m) {
        if (m.qos() < 0 || m.qos() > 2) {
            throw new IllegalArgumentException("qos " + m.qos());
        }
        PublishProperties p = m.properties() == null ? PublishProperties.NONE : m.properties();
        int flags = m.qos()
                | (m.retain() ? RETAIN : 0)
                | (m.sender() != null ? HAS_SENDER : 0)
                | (m.expiresAtMillis() != 0 ? HAS_EXPIRY : 0)
                | (p.isEmpty() ? 0 : HAS_PROPERTIES);
        out.u8(VERSION).i64(m.id()).u8(flags);
        if (m.expiresAtMillis() != 0) {
            out.i64(m.expiresAtMillis());
        }
        if (m.sender() != null) {
            out.string(m.sender().mountpoint()).string(m.sender().clientId());
        }
        if (!p.isEmpty()) {
            writeProperties(out, p);
        }
        out.string(m.topic()).bytes(m.payload());
    }

    static Message read(Decoder in) {
        int version = in.u8("message version");
        if (version != VERSION) {
            throw new CorruptRecordException(
                    "message format version " + version + " (this broker reads " + VERSION + ")");
        }
        long id = in.i64("message id");
        int flags = in.u8("message flags");
        if ((flags & ~0x3F) != 0 || (flags & 3) == 3) {
            throw new CorruptRecordException("message flags 0x" + Integer.toHexString(flags));
        }
        long expiresAt = (flags & HAS_EXPIRY) != 0 ? in.i64("expiry") : 0;
        SubscriberId sender = (flags & HAS_SENDER) != 0
                ? SubscriberId.of(in.string("sender mountpoint"), in.string("sender client id"))
                : null;
        PublishProperties props = (flags & HAS_PROPERTIES) != 0 ? readProperties(in) : PublishProperties.NONE;
        String topic = in.string("topic");
        byte[] payload = in.bytes("payload");
        return new Message(id, topic, flags & 3, (flags & RETAIN) != 0, payload, props, sender, expiresAt);
    }

    private static void writeProperties(Encoder out, PublishProperties p) {
        int mask = (p.payloadFormatIndicator() != null ? 1 : 0)
                | (p.messageExpiryInterval() != null ? 1 << 1 : 0)
                | (p.contentType() != null ? 1 << 2 : 0)
                | (p.responseTopic() != null ? 1 << 3 : 0)
                | (p.correlationData() != null ? 1 << 4 : 0)
                | (!p.userProperties().isEmpty() ? 1 << 5 : 0);
        out.u8(mask);
        if (p.payloadFormatIndicator() != null) {
            out.u8(p.payloadFormatIndicator());
        }
        if (p.messageExpiryInterval() != null) {
            out.varlong(p.messageExpiryInterval());
        }
        if (p.contentType() != null) {
            out.string(p.contentType());
        }
        if (p.responseTopic() != null) {
            out.string(p.responseTopic());
        }
        if (p.correlationData() != null) {
            out.bytes(p.correlationData());
        }
        if (!p.userProperties().isEmpty()) {
            out.varlong(p.userProperties().size());
            for (UserProperty u : p.userProperties()) {
                out.string(u.key()).string(u.value());
            }
        }
    }

    private static PublishProperties readProperties(Decoder in) {
        int mask = in.u8("property mask");
        if ((mask & ~0x3F) != 0) {
            throw new CorruptRecordException("property mask 0x" + Integer.toHexString(mask));
        }
        Integer format = (mask & 1) != 0 ? in.u8("payload format indicator") : null;
        Long expiry = (mask & (1 << 1)) != 0 ? in.varlong("message expiry interval") : null;
        String contentType = (mask & (1 << 2)) != 0 ? in.string("content type") : null;
        String responseTopic = (mask & (1 << 3)) != 0 ? in.string("response topic") : null;
        byte[] correlation = (mask & (1 << 4)) != 0 ? in.bytes("correlation data") : null;
        List<UserProperty> users = List.of();
        if ((mask & (1 << 5)) != 0) {
            int n = in.length("user property count");
            users = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                users.add(new UserProperty(in.string("user property key"), in.string("user property value")));
            }
        }
        return new PublishProperties(format, expiry, contentType, responseTopic, correlation, users);
    }
}
