package io.hookline.broker.protocol;

import io.hookline.broker.util.Scheduler;
import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * auth_on_publish's {@code throttle} answer (VerneMQ's {@code {throttle, Milliseconds}}): nothing
 * more from this client takes effect for that long. Reading from its socket pauses
 * ({@link ReadPause.Reason#THROTTLE}), and the packets already read behind the throttled message
 * wait in {@link InboundOrder} as if it were still being decided, so none of them is routed or
 * acknowledged before the pause ends. A throttle while paused extends the pause to the later
 * deadline; they do not add up. One timer on the event loop's scheduler, cancelled on close.
 *
 * <p>Made on the first throttle answer of a connection. Confined to the channel's event loop.
 */
final class PublishThrottle {

    private final Channel channel;
    private final ReadPause readPause;
    private final InboundOrder order;
    private final Scheduler time; // the channel's ({@link ReadPause#time})
    private long until; // time.nanoTime() when the pause ends
    private Scheduler.Task timer; // non-null while paused
    private CompletableFuture<Void> held; // what the client's later packets wait for

    PublishThrottle(Channel channel, InboundOrder order) {
        this.channel = channel;
        this.readPause = ReadPause.of(channel);
        this.time = readPause.time();
        this.order = order;
    }

    /**
     * Pauses the client for {@code millis} from now (at most {@code ModifierValidation}'s cap), or,
     * while paused, until then if that is later. Called while applying the throttled message.
     */
    void pause(long millis) {
        long now = time.nanoTime();
        long deadline = now + TimeUnit.MILLISECONDS.toNanos(millis);
        if (timer != null) {
            if (deadline - until <= 0) {
                return;
            }
            timer.cancel();
        } else {
            readPause.pause(ReadPause.Reason.THROTTLE);
            held = new CompletableFuture<>();
            order.hold(held);
        }
        until = deadline;
        timer = time.schedule(channel.eventLoop(), this::end, deadline - now, TimeUnit.NANOSECONDS);
    }

    boolean isPaused() {
        return timer != null;
    }

    private void end() {
        timer = null;
        readPause.resume(ReadPause.Reason.THROTTLE);
        release();
    }

    /** The connection closed: no timer left behind; what waited is let through to see it closed. */
    void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
            release();
        }
    }

    private void release() {
        CompletableFuture<Void> h = held;
        held = null;
        h.complete(null);
    }
}
