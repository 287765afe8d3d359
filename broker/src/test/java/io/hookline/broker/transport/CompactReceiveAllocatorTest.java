package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The compact receive-buffer handle decides as Netty's adaptive one (the allocator the listener
 * used before, with its defaults): the same buffer size before every read and the same answer to
 * "read on?" after it, over long random read sequences that grow and shrink the buffer.
 */
class CompactReceiveAllocatorTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void decidesAsNettysAdaptiveHandleOverRandomReads() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            RecvByteBufAllocator.ExtendedHandle netty =
                    (RecvByteBufAllocator.ExtendedHandle) new AdaptiveRecvByteBufAllocator().newHandle();
            RecvByteBufAllocator.ExtendedHandle ours =
                    (RecvByteBufAllocator.ExtendedHandle) CompactReceiveAllocator.INSTANCE.newHandle();
            ChannelConfig config = channel.config();
            for (int cycle = 0; cycle < 2000; cycle++) {
                config.setAutoRead(random.nextInt(10) != 0);
                netty.reset(config);
                ours.reset(config);
                boolean more = true;
                for (int read = 0; more && read < 20; read++) {
                    assertEquals(netty.guess(), ours.guess(), "seed " + seed + " cycle " + cycle);
                    int offered = ours.guess();
                    netty.attemptedBytesRead(offered);
                    ours.attemptedBytesRead(offered);
                    int got = switch (random.nextInt(4)) {
                        case 0 -> offered; // filled: a busy client
                        case 1 -> random.nextInt(offered) + 1;
                        case 2 -> random.nextInt(Math.min(offered, 64)) + 1; // small packets
                        default -> random.nextInt(3) - 1; // nothing (0) or closed (-1)
                    };
                    netty.lastBytesRead(got);
                    ours.lastBytesRead(got);
                    assertEquals(netty.lastBytesRead(), ours.lastBytesRead());
                    if (got > 0) {
                        netty.incMessagesRead(1);
                        ours.incMessagesRead(1);
                    }
                    more = netty.continueReading();
                    assertEquals(more, ours.continueReading(), "seed " + seed + " cycle " + cycle);
                }
                netty.readComplete();
                ours.readComplete();
                assertEquals(netty.guess(), ours.guess(), "after cycle " + cycle);
            }
        }
    }

    @Test
    void startsAt2KiBGrowsOnFullReadsAndStaysWithinBounds() {
        CompactReceiveAllocator.Handle h =
                (CompactReceiveAllocator.Handle) CompactReceiveAllocator.INSTANCE.newHandle();
        assertEquals(2048, h.guess());
        ByteBuf buf = h.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertEquals(2048, buf.capacity());
        buf.release();
        for (int i = 0; i < 20; i++) { // every read fills its buffer
            h.reset(channel.config());
            h.attemptedBytesRead(h.guess());
            h.lastBytesRead(h.guess());
            h.incMessagesRead(1);
            h.readComplete();
        }
        assertEquals(65536, h.guess());
        for (int i = 0; i < 200; i++) { // two-byte PINGREQs
            h.reset(channel.config());
            h.attemptedBytesRead(h.guess());
            h.lastBytesRead(2);
            h.incMessagesRead(1);
            assertFalse(h.continueReading(), "a short read: the socket is empty");
            h.readComplete();
        }
        assertEquals(64, h.guess());
        h.reset(channel.config());
        h.attemptedBytesRead(h.guess());
        h.lastBytesRead(h.guess());
        assertTrue(h.get(), "a full read: maybe more data");
    }
}
