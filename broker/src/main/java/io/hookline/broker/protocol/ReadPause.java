package io.hookline.broker.protocol;

import io.hookline.broker.util.Scheduler;
import io.hookline.broker.util.SystemScheduler;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Why reading from one client's socket is paused. Several parts of the broker pause a client
 * for their own reason (a full hook window, a message rate, a throttle answer, a congested
 * subscriber); reading resumes only once no reason is left, so one part resuming cannot undo
 * another's pause. Every reason is the broker's own doing, so while one holds, and for one
 * keep-alive period after, the client's silence is ours and no keep-alive timeout
 * ({@link KeepAlive}, {@link #excusesSilence}). One per channel ({@link #of}); confined to the
 * channel's event loop.
 */
public final class ReadPause {

    /** The reasons to stop reading; add one here for a new kind of back-pressure. */
    public enum Reason {
        /** Hook decisions of this client in flight at the pipeline window ({@link InboundOrder}). */
        HOOK_WINDOW,
        /** The client publishes faster than its max_message_rate ({@link MessageRate}). */
        MESSAGE_RATE,
        /** auth_on_publish answered with a {@code throttle} ({@link PublishThrottle}). */
        THROTTLE,
        /** A session this client publishes to is above its queue high-water mark ({@link PublisherHold}). */
        BACKPRESSURE,
        /** This client's acknowledgements waiting for the store are at the pipeline window ({@link MqttConnection#acknowledge}). */
        STORE,
    }

    private static final AttributeKey<ReadPause> KEY = AttributeKey.valueOf(ReadPause.class, "readPause");
    private static final AttributeKey<Scheduler> TIME = AttributeKey.valueOf(ReadPause.class, "time");

    private final Channel channel;
    private final Scheduler time;
    private int reasons; // bit per Reason ordinal
    private boolean everPaused;
    private long resumedAt; // time.nanoTime() when reading last resumed

    private ReadPause(Channel channel, Scheduler time) {
        this.channel = channel;
        this.time = time;
    }

    /**
     * The time the channel's pauses (and keep-alive) run on: the broker's injected scheduler. Before
     * the first {@link #of}. Real time is the default and is not stored: every channel would carry
     * an attribute for it (only event-loop tasks are scheduled through it, which any
     * {@link SystemScheduler} runs alike).
     */
    public static void useTime(Channel channel, Scheduler time) {
        if (!(time instanceof SystemScheduler)) {
            channel.attr(TIME).set(time);
        }
    }

    /** The channel's time source ({@link #useTime}), without making its pause state. */
    static Scheduler timeOf(Channel channel) {
        Scheduler time = channel.hasAttr(TIME) ? channel.attr(TIME).get() : null;
        return time != null ? time : SystemScheduler.eventLoopsOnly();
    }

    /** The channel's pause state, made on first use. Event loop only. */
    public static ReadPause of(Channel channel) {
        ReadPause p = peek(channel);
        if (p == null) {
            p = new ReadPause(channel, timeOf(channel));
            channel.attr(KEY).set(p);
        }
        return p;
    }

    /** The channel's pause state, or null when nothing ever paused it (none is made: idle clients carry none). */
    static ReadPause peek(Channel channel) {
        return channel.hasAttr(KEY) ? channel.attr(KEY).get() : null;
    }

    /** Stops reading for {@code reason}; false (and no effect) when already paused for it. */
    public boolean pause(Reason reason) {
        if ((reasons & bit(reason)) != 0) {
            return false;
        }
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= bit(reason);
        everPaused = true;
        return true;
    }

    /** Drops {@code reason}; reading resumes when it was the last one. */
    public void resume(Reason reason) {
        int bit = bit(reason);
        if ((reasons & bit) == 0) {
            return;
        }
        reasons &= ~bit;
        if (reasons == 0) {
            resumedAt = time.nanoTime();
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    public boolean isPaused(Reason reason) {
        return (reasons & bit(reason)) != 0;
    }

    /**
     * Whether a client silent for {@code idleNanos} up to {@code now} may be silent because we did
     * not read: paused now, or within the last {@code idleNanos} (what it sent meanwhile, a
     * PINGREQ, is read only once reading resumes).
     */
    public boolean excusesSilence(long idleNanos, long now) {
        return reasons != 0 || everPaused && now - resumedAt < idleNanos;
    }

    public boolean isPaused() {
        return reasons != 0;
    }

    /** The channel's time source ({@link #useTime}). */
    Scheduler time() {
        return time;
    }

    private static int bit(Reason reason) {
        return 1 << reason.ordinal();
    }
}
