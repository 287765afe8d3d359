package io.hookline.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The benchmark payload: send time (System.nanoTime of the generator JVM, so publisher and
 * subscriber must live in the same process), publisher id and sequence number, then zero padding
 * up to the requested size.
 *
 * <pre>
 * 0..7   sendNanos   long
 * 8..11  publisherId int
 * 12..19 sequence    long (0, 1, 2, ... per publisher)
 * 20..   padding
 * </pre>
 */
public final class Payload {
    /** Bytes the header needs; smaller requested sizes are raised to this. */
    public static final int HEADER_BYTES = 20;

    private Payload() {}

    public static int effectiveSize(int requested) {
        return Math.max(HEADER_BYTES, requested);
    }

    /** A new buffer the caller owns. */
    public static ByteBuf encode(ByteBufAllocator alloc, int size, long sendNanos, int publisherId, long sequence) {
        int n = effectiveSize(size);
        ByteBuf buf = alloc.buffer(n, n);
        buf.writeLong(sendNanos).writeInt(publisherId).writeLong(sequence);
        buf.writeZero(n - HEADER_BYTES);
        return buf;
    }

    /** Whether {@code buf} is long enough to hold a header (a foreign message might not be). */
    public static boolean isValid(ByteBuf buf) {
        return buf.readableBytes() >= HEADER_BYTES;
    }

    public static long sendNanos(ByteBuf buf) {
        return buf.getLong(buf.readerIndex());
    }

    public static int publisherId(ByteBuf buf) {
        return buf.getInt(buf.readerIndex() + 8);
    }

    public static long sequence(ByteBuf buf) {
        return buf.getLong(buf.readerIndex() + 12);
    }
}
