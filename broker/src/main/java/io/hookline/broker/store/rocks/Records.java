package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.store.SessionRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodings of the store's records around {@link MessageCodec}: a queued or in-flight delivery,
 * a session record, a subscription. Each starts with its own format version byte. A message's
 * expiry is its wall-clock instant, so it keeps counting while the broker is down. Stateless.
 */
final class Records {

    static final int DELIVERY_VERSION = 1;
    static final int SESSION_VERSION = 1;
    static final int SUBSCRIPTION_VERSION = 1;

    private final HighWater highWater;

    Records(HighWater highWater) {
        this.highWater = highWater;
    }

    byte[] encodeMessage(Message m) {
        highWater.raise(m.id());
        return MessageCodec.encode(m);
    }

    Message decodeMessage(byte[] record) {
        return MessageCodec.decode(record);
    }

    // ---- deliveries: u8 version, u8 qos | retain<<2, varint n + n × varint subscription id, message

    /** Bytes a delivery's record takes, about (ASCII names, few properties): an encoder's first buffer, grown rarely. */
    static int sizeHint(Delivery d) {
        io.hookline.broker.routing.Message m = d.message();
        int sender = m.sender() == null
                ? 0
                : m.sender().clientId().length() + m.sender().mountpoint().length();
        return 64
                + m.payload().length
                + m.topic().length()
                + sender
                + 4 * d.subscriptionIds().size();
    }

    byte[] encodeDelivery(Delivery d) {
        Encoder out = new Encoder(sizeHint(d));
        writeDelivery(out, d);
        return out.toByteArray();
    }

    void writeDelivery(Encoder out, Delivery d) {
        out.u8(DELIVERY_VERSION)
                .u8(d.qos() | (d.retain() ? 4 : 0))
                .varlong(d.subscriptionIds().size());
        for (int id : d.subscriptionIds()) {
            out.varlong(id);
        }
        highWater.raise(d.message().id());
        MessageCodec.write(out, d.message());
    }

    Delivery decodeDelivery(byte[] record) {
        Decoder in = new Decoder(record);
        Delivery d = readDelivery(in);
        in.expectEnd("delivery record");
        return d;
    }

    Delivery readDelivery(Decoder in) {
        int version = in.u8("delivery version");
        if (version != DELIVERY_VERSION) {
            throw new CorruptRecordException("delivery format version " + version);
        }
        int flags = in.u8("delivery flags");
        if ((flags & ~7) != 0 || (flags & 3) == 3) {
            throw new CorruptRecordException("delivery flags 0x" + Integer.toHexString(flags));
        }
        int n = in.length("subscription id count");
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add((int) in.varlong("subscription id"));
        }
        Message m = MessageCodec.read(in);
        return new Delivery(m, flags & 3, (flags & 4) != 0, List.copyOf(ids));
    }

    // ---- session records

    byte[] encodeSession(SessionRecord r) {
        Encoder out = new Encoder(64);
        out.u8(SESSION_VERSION)
                .string(r.id().mountpoint())
                .string(r.id().clientId())
                .u8(r.protocolVersion());
        int flags = (r.username() != null ? 1 : 0)
                | (r.will() != null ? 2 : 0)
                | (r.maxOnlineMessages() != null ? 4 : 0)
                | (r.maxOfflineMessages() != null ? 8 : 0);
        out.u8(flags).i64(r.expirySeconds()).i64(r.disconnectedAtMillis()).i64(r.willDelaySeconds());
        if (r.username() != null) {
            out.string(r.username());
        }
        if (r.will() != null) {
            highWater.raise(r.will().id());
            MessageCodec.write(out, r.will());
        }
        if (r.maxOnlineMessages() != null) {
            out.i64(r.maxOnlineMessages());
        }
        if (r.maxOfflineMessages() != null) {
            out.i64(r.maxOfflineMessages());
        }
        return out.toByteArray();
    }

    SessionRecord decodeSession(byte[] record) {
        Decoder in = new Decoder(record);
        int version = in.u8("session version");
        if (version != SESSION_VERSION) {
            throw new CorruptRecordException("session format version " + version);
        }
        SubscriberId id = SubscriberId.of(in.string("mountpoint"), in.string("client id"));
        int protocol = in.u8("protocol version");
        int flags = in.u8("session flags");
        long expiry = in.i64("session expiry");
        long disconnectedAt = in.i64("disconnected at");
        long willDelay = in.i64("will delay");
        String username = (flags & 1) != 0 ? in.string("username") : null;
        Message will = (flags & 2) != 0 ? MessageCodec.read(in) : null;
        Integer maxOnline = (flags & 4) != 0 ? (int) in.i64("max online messages") : null;
        Integer maxOffline = (flags & 8) != 0 ? (int) in.i64("max offline messages") : null;
        in.expectEnd("session record");
        return new SessionRecord(
                id, protocol, username, expiry, disconnectedAt, will, willDelay, maxOnline, maxOffline);
    }

    // ---- subscriptions (the owner is in the key): u8 version, i64 order, string filter, share group?,
    //      u8 qos | noLocal<<2 | retainAsPublished<<3 | retainHandling<<4 | hasGroup<<6, varint subscription id

    static byte[] encodeSubscription(Subscription s, long order) {
        SubscriptionOptions o = s.options();
        Encoder out = new Encoder(32 + s.filter().length());
        out.u8(SUBSCRIPTION_VERSION).i64(order).string(s.filter());
        out.u8(o.qos()
                | (o.noLocal() ? 4 : 0)
                | (o.retainAsPublished() ? 8 : 0)
                | (o.retainHandling() << 4)
                | (s.shareGroup() != null ? 64 : 0));
        if (s.shareGroup() != null) {
            out.string(s.shareGroup());
        }
        out.varlong(s.subscriptionId());
        return out.toByteArray();
    }

    /** A stored subscription and the order it was made in. */
    record OrderedSubscription(long order, Subscription subscription) {}

    static OrderedSubscription decodeSubscription(SubscriberId owner, byte[] record) {
        Decoder in = new Decoder(record);
        int version = in.u8("subscription version");
        if (version != SUBSCRIPTION_VERSION) {
            throw new CorruptRecordException("subscription format version " + version);
        }
        long order = in.i64("subscription order");
        String filter = in.string("filter");
        int flags = in.u8("subscription options");
        String group = (flags & 64) != 0 ? in.string("share group") : null;
        long subscriptionId = in.varlong("subscription id");
        in.expectEnd("subscription record");
        try {
            SubscriptionOptions options =
                    new SubscriptionOptions(flags & 3, (flags & 4) != 0, (flags & 8) != 0, (flags >> 4) & 3);
            return new OrderedSubscription(
                    order, new Subscription(owner, filter, group, options, (int) subscriptionId));
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("subscription: " + e.getMessage());
        }
    }
}
