package io.hookline.broker.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReadPauseTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @Test
    void readingResumesOnlyWhenTheLastReasonIsGone() {
        ReadPause pause = ReadPause.of(channel);
        pause.pause(ReadPause.Reason.HOOK_WINDOW);
        pause.pause(ReadPause.Reason.MESSAGE_RATE);
        assertFalse(channel.config().isAutoRead());
        pause.resume(ReadPause.Reason.HOOK_WINDOW);
        assertFalse(channel.config().isAutoRead(), "still over the message rate");
        assertTrue(pause.isPaused(ReadPause.Reason.MESSAGE_RATE));
        pause.resume(ReadPause.Reason.MESSAGE_RATE);
        assertTrue(channel.config().isAutoRead());
        assertFalse(pause.isPaused());
    }

    @Test
    void resumingAReasonThatDidNotPauseChangesNothing() {
        ReadPause pause = ReadPause.of(channel);
        pause.pause(ReadPause.Reason.MESSAGE_RATE);
        pause.resume(ReadPause.Reason.HOOK_WINDOW);
        assertFalse(channel.config().isAutoRead());
    }

    @Test
    void oneStatePerChannel() {
        assertSame(ReadPause.of(channel), ReadPause.of(channel));
    }

    @Test
    void inboundOrderWindowDoesNotResumeAClientPausedForItsRate() {
        InboundOrder order = new InboundOrder(channel, 1, () -> {});
        CompletableFuture<String> decision = new CompletableFuture<>();
        order.then(decision, (v, e) -> {});
        ReadPause.of(channel).pause(ReadPause.Reason.MESSAGE_RATE);
        decision.complete("done");
        assertFalse(channel.config().isAutoRead(), "the window has room, the rate does not");
        ReadPause.of(channel).resume(ReadPause.Reason.MESSAGE_RATE);
        assertTrue(channel.config().isAutoRead());
    }
}
