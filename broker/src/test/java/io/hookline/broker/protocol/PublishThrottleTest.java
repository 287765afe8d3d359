package io.hookline.broker.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The throttle answer's timed pause, on the embedded channel's own clock (no waiting). */
class PublishThrottleTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final InboundOrder order = new InboundOrder(channel, 32, () -> {});
    private final PublishThrottle throttle = new PublishThrottle(channel, order);
    private final List<String> applied = new ArrayList<>();

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void readingAndLaterPacketsWaitForThePauseToEnd() {
        throttle.pause(500);
        order.then(CompletableFuture.completedFuture("next"), (v, e) -> applied.add(v));
        assertFalse(channel.config().isAutoRead());
        assertEquals(List.of(), applied, "read behind the throttled message: held");
        advance(400);
        assertFalse(channel.config().isAutoRead());
        advance(150);
        assertTrue(channel.config().isAutoRead());
        assertEquals(List.of("next"), applied);
        assertFalse(throttle.isPaused());
    }

    @Test
    void aSecondThrottleExtendsToTheLaterDeadlineNotAddingUp() {
        throttle.pause(500);
        throttle.pause(200); // ends earlier: changes nothing
        advance(550);
        assertTrue(channel.config().isAutoRead(), "the shorter second pause did not add to the first");

        throttle.pause(500);
        advance(300);
        throttle.pause(500); // now ends at 800 from the first
        advance(300);
        assertFalse(channel.config().isAutoRead(), "extended past the first deadline");
        advance(250);
        assertTrue(channel.config().isAutoRead(), "ended at the later deadline, not at 1000");
    }

    @Test
    void aThrottleDoesNotResumeAClientPausedForAnotherReason() {
        ReadPause.of(channel).pause(ReadPause.Reason.MESSAGE_RATE);
        throttle.pause(100);
        advance(150);
        assertFalse(channel.config().isAutoRead());
    }

    @Test
    void cancelOnCloseLeavesNoTimerAndLetsTheWaitingPacketsSeeTheClose() {
        throttle.pause(60_000);
        order.then(CompletableFuture.completedFuture("next"), (v, e) -> applied.add(v));
        throttle.cancel();
        assertFalse(throttle.isPaused());
        assertEquals(List.of("next"), applied, "released, so a retained packet waiting there is freed");
    }

    @Test
    void keepAliveIsExcusedWhilePausedByUsAndForOnePeriodAfter() {
        ReadPause pause = ReadPause.of(channel);
        long period = TimeUnit.SECONDS.toNanos(15);
        assertFalse(pause.excusesSilence(period, System.nanoTime()), "never paused: silence is the client's");
        pause.pause(ReadPause.Reason.THROTTLE);
        assertTrue(pause.excusesSilence(period, System.nanoTime()));
        pause.resume(ReadPause.Reason.THROTTLE);
        long now = System.nanoTime();
        assertTrue(pause.excusesSilence(period, now), "what it sent meanwhile is only now being read");
        assertFalse(pause.excusesSilence(period, now + period + 1), "a period after, silence counts again");
    }
}
