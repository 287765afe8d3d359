package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.SubscriberId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts. A subscriber prefix is {@code u16 length + UTF-8 subscriber id} (mountpoint +
 * client id, as the registry keys sessions), so one subscriber's keys form one contiguous range
 * that no other subscriber's prefix can extend. Numbers are big-endian so that byte order (the
 * store's comparator) is numeric order: a queue iterates oldest first.
 *
 * <pre>
 * sessions       [subscriber]
 * subscriptions  [subscriber][0x00 filter | 0x01 share group 0x00 filter]
 * queues         [subscriber][u64 sequence]
 * inflight       [subscriber][u16 packet id]          → order + delivery
 *                [subscriber][u16 packet id][0x01]    → PUBREL sent (QoS 2 released)
 * qos2_in        [subscriber][u16 packet id]
 * retained       [UTF-8 topic]
 * </pre>
 */
public final class Keys {

    private Keys() {}

    /** The prefix of a session's keys: its mountpoint and client id, NUL between (neither may hold one). */
    public static byte[] subscriber(SubscriberId id) {
        return subscriber(id.mountpoint() + "\u0000" + id.clientId());
    }

    /** The session a key of a per-subscriber column belongs to. */
    public static SubscriberId subscriberIdOf(byte[] key) {
        String s = subscriberOf(key);
        int nul = s.indexOf('\u0000');
        if (nul < 0) {
            throw new CorruptRecordException("subscriber key without a mountpoint separator");
        }
        return SubscriberId.of(s.substring(0, nul), s.substring(nul + 1));
    }

    public static byte[] queued(SubscriberId id, long sequence) {
        return withLong(subscriber(id), sequence);
    }

    /** A queue key under a subscriber prefix already made ({@link #subscriber}): one copy, no string work. */
    static byte[] queued(byte[] subscriberPrefix, long sequence) {
        return withLong(subscriberPrefix, sequence);
    }

    /** A packet key under a subscriber prefix already made ({@link #subscriber}). */
    static byte[] packet(byte[] subscriberPrefix, int packetId) {
        return withPacketId(subscriberPrefix, packetId);
    }

    public static byte[] packet(SubscriberId id, int packetId) {
        return withPacketId(subscriber(id), packetId);
    }

    /** A subscription: {@code 0x00 filter} when not shared, {@code 0x01 group 0x00 filter} when shared. */
    public static byte[] subscription(SubscriberId id, String shareGroup, String filter) {
        String rest = shareGroup == null ? "\u0000" + filter : "\u0001" + shareGroup + "\u0000" + filter;
        return concat(subscriber(id), rest.getBytes(StandardCharsets.UTF_8));
    }

    /** The prefix every key of one subscriber starts with. */
    public static byte[] subscriber(String subscriberId) {
        byte[] id = subscriberId.getBytes(StandardCharsets.UTF_8);
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("subscriber id longer than 65535 bytes");
        }
        byte[] key = new byte[2 + id.length];
        key[0] = (byte) (id.length >>> 8);
        key[1] = (byte) id.length;
        System.arraycopy(id, 0, key, 2, id.length);
        return key;
    }

    public static byte[] subscription(String subscriberId, String filter) {
        return concat(subscriber(subscriberId), filter.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] queued(String subscriberId, long sequence) {
        return withLong(subscriber(subscriberId), sequence);
    }

    public static byte[] packet(String subscriberId, int packetId) {
        return withPacketId(subscriber(subscriberId), packetId);
    }

    private static byte[] withPacketId(byte[] prefix, int packetId) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + 2);
        key[prefix.length] = (byte) (packetId >>> 8);
        key[prefix.length + 1] = (byte) packetId;
        return key;
    }

    public static byte[] retained(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8);
    }

    /** The subscriber id a key of any per-subscriber column starts with. */
    public static String subscriberOf(byte[] key) {
        int n = prefixLength(key) - 2;
        return new String(key, 2, n, StandardCharsets.UTF_8);
    }

    /** The subscriber prefix {@code key} starts with. */
    public static byte[] prefixOf(byte[] key) {
        return Arrays.copyOf(key, prefixLength(key));
    }

    /** What follows the subscriber prefix in {@code key}. */
    public static byte[] suffix(byte[] key) {
        return Arrays.copyOfRange(key, prefixLength(key), key.length);
    }

    public static long sequenceOf(byte[] key) {
        byte[] s = suffix(key);
        if (s.length != 8) {
            throw new CorruptRecordException("queue key with a " + s.length + "-byte sequence");
        }
        long v = 0;
        for (byte b : s) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    public static int packetIdOf(byte[] key) {
        byte[] s = suffix(key);
        if (s.length < 2) {
            throw new CorruptRecordException("packet key with a " + s.length + "-byte packet id");
        }
        return ((s[0] & 0xFF) << 8) | (s[1] & 0xFF);
    }

    /** The first key after every key that starts with {@code prefix} (exclusive upper bound of a range). */
    public static byte[] end(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        throw new IllegalArgumentException("a prefix of only 0xFF bytes has no end");
    }

    private static int prefixLength(byte[] key) {
        if (key.length < 2) {
            throw new CorruptRecordException("key shorter than its subscriber prefix");
        }
        int n = ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
        if (key.length < 2 + n) {
            throw new CorruptRecordException("key shorter than its subscriber prefix");
        }
        return 2 + n;
    }

    private static byte[] withLong(byte[] prefix, long value) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + 8);
        for (int i = 0; i < 8; i++) {
            key[prefix.length + i] = (byte) (value >>> (56 - 8 * i));
        }
        return key;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] key = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, key, a.length, b.length);
        return key;
    }
}
