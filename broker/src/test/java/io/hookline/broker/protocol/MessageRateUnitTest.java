package io.hookline.broker.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The schedule of {@link MessageRate}, with times given (no clock, no sleeping). */
class MessageRateUnitTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @Test
    void oneSecondsWorthPassesAtOnceThenMessagesAreSpacedOneIntervalApart() {
        MessageRate rate = new MessageRate(channel, 4);
        long now = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertEquals(0, rate.admit(now), "message " + i + " of the first second's 4");
        }
        assertTrue(channel.config().isAutoRead());
        assertEquals(SECOND / 4, rate.admit(now), "the 5th waits a quarter second");
        assertEquals(2 * SECOND / 4, rate.admit(now));
        assertFalse(channel.config().isAutoRead(), "reading pauses while the client is ahead of its rate");
    }

    @Test
    void aClientWithinItsRateNeverWaits() {
        MessageRate rate = new MessageRate(channel, 10);
        long now = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertEquals(0, rate.admit(now + i * SECOND / 10));
        }
        assertTrue(channel.config().isAutoRead());
    }

    @Test
    void quietTimeIsNotSavedUpBeyondOneSecondsWorth() {
        MessageRate rate = new MessageRate(channel, 2);
        long now = System.nanoTime();
        long later = now + 60 * SECOND;
        assertEquals(0, rate.admit(later));
        assertEquals(0, rate.admit(later));
        assertEquals(SECOND / 2, rate.admit(later));
    }

    @Test
    void hugeRatesDoNotOverflow() {
        MessageRate rate = new MessageRate(channel, Long.MAX_VALUE);
        long now = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, rate.admit(now));
        }
    }
}
