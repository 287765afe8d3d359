package io.hookline.broker.cluster;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.session.SessionSnapshot;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.SessionRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The frames of session migration ({@link SessionMigration}; types 20-29 of {@link Frames}), in
 * the same framing ({@code int length, byte type, body}). Every frame but PUSH starts with the
 * move's id (chosen by the node the session goes to). Messages get the receiver's ids as they
 * are read. Stateless; safe on any thread.
 */
final class MigrationFrames {

    /** What one migration frame said; fields not in that frame type are null/0. */
    record In(
            byte type,
            long move,
            SubscriberId client,
            boolean flag,
            long cursor,
            SessionSnapshot snapshot,
            List<Delivery> deliveries,
            String reason) {}

    private MigrationFrames() {}

    /** A frame of {@code type} for {@code move}: the move's id, then what {@code rest} writes. */
    private static ByteBuf frame(ByteBufAllocator alloc, byte type, long move, Consumer<ByteBuf> rest) {
        return Frames.message(alloc, type, b -> {
            b.writeLong(move);
            rest.accept(b);
        });
    }

    static ByteBuf ask(ByteBufAllocator alloc, long move, SubscriberId client, boolean clean) {
        return frame(alloc, Frames.MIGRATE_ASK, move, b -> {
            writeSubscriber(b, client);
            b.writeBoolean(clean);
        });
    }

    static ByteBuf push(ByteBufAllocator alloc, SubscriberId client) {
        return Frames.message(alloc, Frames.MIGRATE_PUSH, b -> writeSubscriber(b, client));
    }

    /** The session, or none (null): the asker starts a fresh one. */
    static ByteBuf state(ByteBufAllocator alloc, long move, SessionSnapshot s) {
        return frame(alloc, Frames.MIGRATE_STATE, move, b -> writeState(b, s));
    }

    private static void writeState(ByteBuf b, SessionSnapshot s) {
        b.writeBoolean(s != null);
        if (s != null) {
            SessionRecord r = s.record();
            writeSubscriber(b, r.id());
            b.writeInt(r.protocolVersion());
            writeNullable(b, r.username());
            b.writeLong(r.expirySeconds());
            b.writeLong(r.disconnectedAtMillis());
            b.writeBoolean(r.will() != null);
            if (r.will() != null) {
                Frames.writeMessage(b, r.will());
            }
            b.writeLong(r.willDelaySeconds());
            b.writeInt(r.maxOnlineMessages() == null ? Integer.MIN_VALUE : r.maxOnlineMessages());
            b.writeInt(r.maxOfflineMessages() == null ? Integer.MIN_VALUE : r.maxOfflineMessages());
            b.writeInt(s.subscriptions().size());
            for (Subscription sub : s.subscriptions()) {
                Frames.writeString(b, sub.filter());
                writeNullable(b, sub.shareGroup());
                SubscriptionOptions o = sub.options();
                b.writeByte(o.qos());
                b.writeBoolean(o.noLocal());
                b.writeBoolean(o.retainAsPublished());
                b.writeByte(o.retainHandling());
                b.writeInt(sub.subscriptionId());
            }
            b.writeInt(s.inflight().size());
            for (InflightRecord f : s.inflight()) {
                b.writeInt(f.packetId());
                writeDelivery(b, f.delivery());
                b.writeBoolean(f.released());
            }
            b.writeInt(s.awaitingRelease().size());
            for (int id : s.awaitingRelease()) {
                b.writeInt(id);
            }
        }
    }

    static ByteBuf pull(ByteBufAllocator alloc, long move, long cursor) {
        return frame(alloc, Frames.MIGRATE_PULL, move, b -> b.writeLong(cursor));
    }

    /** A page of the queue, {@code next} where the following one starts; an empty page: the queue is all sent. */
    static ByteBuf page(ByteBufAllocator alloc, long move, long next, List<Delivery> page) {
        return frame(alloc, Frames.MIGRATE_PAGE, move, b -> {
            b.writeLong(next);
            writeDeliveries(b, page);
        });
    }

    static ByteBuf commit(ByteBufAllocator alloc, long move) {
        return frame(alloc, Frames.MIGRATE_COMMIT, move, b -> {});
    }

    /** The old node ended its copy ({@code ok}) and sends what was queued meanwhile; not ok: it kept it. */
    static ByteBuf done(ByteBufAllocator alloc, long move, boolean ok, List<Delivery> tail) {
        return frame(alloc, Frames.MIGRATE_DONE, move, b -> {
            b.writeBoolean(ok);
            writeDeliveries(b, tail);
        });
    }

    /** The node the session was to come to gave up, and why (for the old node's answer and log). */
    static ByteBuf abort(ByteBufAllocator alloc, long move, String reason) {
        return frame(alloc, Frames.MIGRATE_ABORT, move, b -> Frames.writeString(b, reason));
    }

    /** Reads a frame of type {@code type} (its type byte read already); {@code ids} stamps the messages. */
    static In read(byte type, ByteBuf b, LongSupplier ids) {
        if (type == Frames.MIGRATE_PUSH) {
            return new In(type, 0, readSubscriber(b), false, 0, null, null, null);
        }
        long move = b.readLong();
        return switch (type) {
            case Frames.MIGRATE_ASK -> {
                SubscriberId client = readSubscriber(b);
                yield new In(type, move, client, b.readBoolean(), 0, null, null, null);
            }
            case Frames.MIGRATE_STATE ->
                new In(type, move, null, false, 0, b.readBoolean() ? readSnapshot(b, ids) : null, null, null);
            case Frames.MIGRATE_PULL -> new In(type, move, null, false, b.readLong(), null, null, null);
            case Frames.MIGRATE_PAGE -> {
                long next = b.readLong();
                yield new In(type, move, null, false, next, null, readDeliveries(b, ids), null);
            }
            case Frames.MIGRATE_DONE -> {
                boolean ok = b.readBoolean();
                yield new In(type, move, null, ok, 0, null, readDeliveries(b, ids), null);
            }
            // an ABORT may say why (older nodes sent none)
            case Frames.MIGRATE_ABORT ->
                new In(type, move, null, false, 0, null, null, b.isReadable() ? Frames.readString(b) : null);
            default -> new In(type, move, null, false, 0, null, null, null); // COMMIT
        };
    }

    private static SessionSnapshot readSnapshot(ByteBuf b, LongSupplier ids) {
        SubscriberId id = readSubscriber(b);
        int version = b.readInt();
        String username = readNullable(b);
        long expiry = b.readLong();
        long disconnectedAt = b.readLong();
        Message will = b.readBoolean() ? Frames.readMessage(b, 0) : null;
        long willDelay = b.readLong();
        int maxOnline = b.readInt();
        int maxOffline = b.readInt();
        SessionRecord r = new SessionRecord(
                id,
                version,
                username,
                expiry,
                disconnectedAt,
                will,
                willDelay,
                maxOnline == Integer.MIN_VALUE ? null : maxOnline,
                maxOffline == Integer.MIN_VALUE ? null : maxOffline);
        int n = count(b);
        List<Subscription> subs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String filter = Frames.readString(b);
            String group = readNullable(b);
            SubscriptionOptions o =
                    new SubscriptionOptions(b.readByte(), b.readBoolean(), b.readBoolean(), b.readByte());
            subs.add(new Subscription(id, filter, group, o, b.readInt()));
        }
        n = count(b);
        List<InflightRecord> inflight = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int packetId = b.readInt();
            Delivery d = readDelivery(b, ids);
            inflight.add(new InflightRecord(packetId, d, b.readBoolean()));
        }
        n = count(b);
        List<Integer> awaiting = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            awaiting.add(b.readInt());
        }
        return new SessionSnapshot(r, subs, inflight, awaiting);
    }

    private static void writeDeliveries(ByteBuf b, List<Delivery> list) {
        b.writeInt(list.size());
        for (Delivery d : list) {
            writeDelivery(b, d);
        }
    }

    private static List<Delivery> readDeliveries(ByteBuf b, LongSupplier ids) {
        int n = count(b);
        List<Delivery> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readDelivery(b, ids));
        }
        return out;
    }

    private static void writeDelivery(ByteBuf b, Delivery d) {
        Frames.writeMessage(b, d.message());
        b.writeByte(d.qos());
        b.writeBoolean(d.retain());
        b.writeInt(d.subscriptionIds().size());
        for (int id : d.subscriptionIds()) {
            b.writeInt(id);
        }
    }

    private static Delivery readDelivery(ByteBuf b, LongSupplier ids) {
        Message m = Frames.readMessage(b, ids.getAsLong());
        int qos = b.readByte();
        boolean retain = b.readBoolean();
        int n = count(b);
        List<Integer> subIds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            subIds.add(b.readInt());
        }
        return new Delivery(m, qos, retain, subIds);
    }

    private static int count(ByteBuf b) {
        int n = b.readInt();
        if (n < 0 || n > b.readableBytes()) {
            throw new IllegalArgumentException("bad count " + n + " in a migration frame");
        }
        return n;
    }

    private static void writeSubscriber(ByteBuf b, SubscriberId id) {
        Frames.writeString(b, id.mountpoint());
        Frames.writeString(b, id.clientId());
    }

    private static SubscriberId readSubscriber(ByteBuf b) {
        String mountpoint = Frames.readString(b);
        return SubscriberId.of(mountpoint, Frames.readString(b));
    }

    private static void writeNullable(ByteBuf b, String s) {
        b.writeBoolean(s != null);
        if (s != null) {
            Frames.writeString(b, s);
        }
    }

    private static String readNullable(ByteBuf b) {
        return b.readBoolean() ? Frames.readString(b) : null;
    }
}
