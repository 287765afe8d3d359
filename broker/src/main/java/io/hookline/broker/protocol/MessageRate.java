package io.hookline.broker.protocol;

import io.hookline.broker.util.Scheduler;
import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;

/**
 * One client's max_message_rate, as VerneMQ applies it: a client publishing faster is throttled,
 * not disconnected. Each PUBLISH gets a slot on a schedule (the generic cell rate algorithm): a
 * client that was quiet may send one second's worth at once, after that its messages are spaced
 * 1/rate apart. A message ahead of its slot waits for it (in arrival order, {@link InboundOrder}),
 * and reading from the socket pauses ({@link ReadPause.Reason#MESSAGE_RATE}) until a new message
 * would be on time again, so a fast client is held back by TCP rather than by our memory.
 *
 * <p>Only made for clients with a rate: the publish path of the others checks a null field.
 * Confined to the channel's event loop.
 */
final class MessageRate {

    /** Above this a rate is no limit in practice; capping it keeps the arithmetic in range. */
    private static final long MAX_RATE = 1_000_000_000L;

    private final Channel channel;
    private final ReadPause readPause;
    private final long interval; // nanos between two slots
    private final long burst; // how far the schedule may run ahead of now without waiting
    private final Scheduler time; // the channel's ({@link ReadPause#time}): injected, so tests control it
    private long next; // the next free slot (time.nanoTime), at most burst ahead when on time
    private Scheduler.Task resume;

    /** @param perSecond at least 1; made on the channel's event loop */
    MessageRate(Channel channel, long perSecond) {
        long rate = Math.max(1, Math.min(perSecond, MAX_RATE));
        this.channel = channel;
        this.readPause = ReadPause.of(channel);
        this.time = readPause.time();
        this.interval = TimeUnit.SECONDS.toNanos(1) / rate;
        this.burst = (rate - 1) * interval;
        this.next = time.nanoTime();
    }

    /** Now, on the time this rate runs on. */
    long now() {
        return time.nanoTime();
    }

    /**
     * Books a slot for a PUBLISH that arrived at {@code now}: 0 when it may go at once, else how
     * many nanos it must wait. Reading pauses while the schedule is ahead of the rate.
     */
    long admit(long now) {
        long slot = next - now > 0 ? next : now;
        next = slot + interval;
        long wait = slot - burst - now;
        if (wait <= 0) {
            return 0;
        }
        if (resume == null) {
            readPause.pause(ReadPause.Reason.MESSAGE_RATE);
            schedule(untilOnTime(now));
        }
        return wait;
    }

    /** Nanos until a new message would be on time, 0 when it is now. */
    private long untilOnTime(long now) {
        return Math.max(0, next - burst - now);
    }

    private void schedule(long nanos) {
        resume = time.schedule(channel.eventLoop(), this::check, nanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        long left = untilOnTime(time.nanoTime());
        if (left > 0 && channel.isActive()) {
            schedule(left);
            return;
        }
        resume = null;
        readPause.resume(ReadPause.Reason.MESSAGE_RATE);
    }
}
