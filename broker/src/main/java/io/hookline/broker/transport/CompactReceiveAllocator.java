package io.hookline.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.Arrays;

/**
 * Netty's adaptive receive-buffer sizing ({@link AdaptiveRecvByteBufAllocator} with its defaults:
 * the first read into 2,048 bytes, then up to 4 steps up the size table after a read that filled
 * its buffer, 1 step down after two reads in a row that would have fit a step smaller, between 64
 * and 65,536 bytes), with the same decisions and a smaller handle. Every channel keeps a handle
 * for its life, idle or not; Netty's is 96 B (the handle with the allocator's bounds and a
 * back-reference, and a supplier object of its own), this one 40 B: the bounds are constants, the
 * table index a byte, and the handle is its own supplier. {@code CompactReceiveAllocatorTest} checks it
 * guesses as Netty's does. The allocator is stateless and shared (it extends Netty's base for
 * {@code maxMessagesPerRead} and {@code respectMaybeMoreData}, as before: 1 and true); a handle is
 * confined to its channel's event loop.
 */
final class CompactReceiveAllocator extends DefaultMaxMessagesRecvByteBufAllocator {

    /** The one allocator every MQTT connection shares. */
    static final CompactReceiveAllocator INSTANCE = new CompactReceiveAllocator();

    private static final int MINIMUM = 64;
    private static final int INITIAL = 2048;
    private static final int MAXIMUM = 65536;
    private static final int INDEX_INCREMENT = 4;
    private static final int INDEX_DECREMENT = 1;

    /** Netty's size table: 16 to 496 in steps of 16, then powers of two from 512 (up to 2^30). */
    private static final int[] SIZE_TABLE;

    static {
        int n = 0;
        int[] table = new int[64];
        for (int size = 16; size < 512; size += 16) {
            table[n++] = size;
        }
        for (int size = 512; size > 0; size <<= 1) {
            table[n++] = size;
        }
        SIZE_TABLE = Arrays.copyOf(table, n);
    }

    private static final int MIN_INDEX = indexOf(MINIMUM);
    private static final int MAX_INDEX = indexOf(MAXIMUM);
    private static final int INITIAL_INDEX = indexOf(INITIAL);

    private CompactReceiveAllocator() {}

    // the bounds are entries of the table: a size's index is exact
    private static int indexOf(int size) {
        for (int i = 0; i < SIZE_TABLE.length; i++) {
            if (SIZE_TABLE[i] == size) {
                return i;
            }
        }
        throw new IllegalArgumentException(size + " is not in the size table");
    }

    @Override
    public RecvByteBufAllocator.Handle newHandle() {
        return new Handle();
    }

    /** One channel's sizing state: 40 B. Event loop only. */
    static final class Handle implements RecvByteBufAllocator.ExtendedHandle, UncheckedBooleanSupplier {
        private ChannelConfig config;
        private int maxMessagePerRead;
        private int totalMessages;
        private int totalBytesRead;
        private int attemptedBytesRead;
        private int lastBytesRead;
        private byte index = (byte) INITIAL_INDEX;
        private boolean decreaseNow;

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return SIZE_TABLE[index];
        }

        @Override
        public void reset(ChannelConfig config) {
            this.config = config;
            maxMessagePerRead = INSTANCE.maxMessagesPerRead();
            totalMessages = totalBytesRead = 0;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            totalMessages += numMessages;
        }

        @Override
        public void lastBytesRead(int bytes) {
            if (bytes == attemptedBytesRead) { // the buffer filled: see whether to grow now
                record(bytes);
            }
            lastBytesRead = bytes;
            if (bytes > 0) {
                totalBytesRead += bytes;
            }
        }

        @Override
        public int lastBytesRead() {
            return lastBytesRead;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            attemptedBytesRead = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return attemptedBytesRead;
        }

        @Override
        public boolean continueReading() {
            return continueReading(this);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return config.isAutoRead()
                    && (!INSTANCE.respectMaybeMoreData() || maybeMoreDataSupplier.get())
                    && totalMessages < maxMessagePerRead
                    && totalBytesRead > 0;
        }

        /** The default "maybe more data": the last read filled what it was offered. */
        @Override
        public boolean get() {
            return attemptedBytesRead == lastBytesRead;
        }

        @Override
        public void readComplete() {
            record(totalBytesRead < 0 ? Integer.MAX_VALUE : totalBytesRead);
        }

        private void record(int actualReadBytes) {
            if (actualReadBytes <= SIZE_TABLE[Math.max(0, index - INDEX_DECREMENT)]) {
                if (decreaseNow) {
                    index = (byte) Math.max(index - INDEX_DECREMENT, MIN_INDEX);
                    decreaseNow = false;
                } else {
                    decreaseNow = true;
                }
            } else if (actualReadBytes >= guess()) {
                index = (byte) Math.min(index + INDEX_INCREMENT, MAX_INDEX);
                decreaseNow = false;
            }
        }
    }
}
