package io.hookline.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class PayloadTest {
    @Test
    void headerRoundTripsAndPaddingReachesTheRequestedSize() {
        ByteBuf b = Payload.encode(UnpooledByteBufAllocator.DEFAULT, 64, 123_456_789L, 42, 7L);
        try {
            assertEquals(64, b.readableBytes());
            assertTrue(Payload.isValid(b));
            assertEquals(123_456_789L, Payload.sendNanos(b));
            assertEquals(42, Payload.publisherId(b));
            assertEquals(7L, Payload.sequence(b));
        } finally {
            b.release();
        }
    }

    @Test
    void sizeBelowTheHeaderIsRaisedToIt() {
        ByteBuf b = Payload.encode(UnpooledByteBufAllocator.DEFAULT, 1, 0, 0, 0);
        try {
            assertEquals(Payload.HEADER_BYTES, b.readableBytes());
        } finally {
            b.release();
        }
    }

    @Test
    void shortForeignPayloadIsNotValid() {
        assertFalse(Payload.isValid(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
    }
}
