package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Why reading from one client's socket is paused. Several parts of the broker pause a client
 * for their own reason (a full hook window, a message rate, a throttle answer, a congested subscriber); reading resumes only once no
 * reason is left, so one part resuming cannot undo another's pause. One per channel
 * ({@link #of}); confined to the channel's event loop.
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
    }

    /**
     * The reasons that are the broker's own doing and end by themselves: while one holds, and for
     * one keep-alive period after, the client's silence is ours and no keep-alive timeout
     * ({@link KeepAlive}). Any other reason (one waiting on the client) leaves keep-alive running.
     */
    private static final int KEEP_ALIVE_HELD = bit(Reason.HOOK_WINDOW) | bit(Reason.MESSAGE_RATE) | bit(Reason.THROTTLE)
            | bit(Reason.BACKPRESSURE);

    private static final AttributeKey<ReadPause> KEY = AttributeKey.valueOf(ReadPause.class, "readPause");

    private final Channel channel;
    private int reasons;   // bit per Reason ordinal
    private boolean keepAliveHeld;      // a KEEP_ALIVE_HELD reason held at some point
    private long keepAliveReleasedAt;   // System.nanoTime when the last KEEP_ALIVE_HELD reason ended

    private ReadPause(Channel channel) {
        this.channel = channel;
    }

    /** The channel's pause state, made on first use. Event loop only. */
    public static ReadPause of(Channel channel) {
        ReadPause p = channel.attr(KEY).get();
        if (p == null) {
            p = new ReadPause(channel);
            channel.attr(KEY).set(p);
        }
        return p;
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
        if ((bit(reason) & KEEP_ALIVE_HELD) != 0) {
            keepAliveHeld = true;
        }
        return true;
    }

    /** Drops {@code reason}; reading resumes when it was the last one. */
    public void resume(Reason reason) {
        int bit = bit(reason);
        if ((reasons & bit) == 0) {
            return;
        }
        reasons &= ~bit;
        if ((bit & KEEP_ALIVE_HELD) != 0 && (reasons & KEEP_ALIVE_HELD) == 0) {
            keepAliveReleasedAt = System.nanoTime();
        }
        if (reasons == 0) {
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    public boolean isPaused(Reason reason) {
        return (reasons & bit(reason)) != 0;
    }

    /**
     * Whether a client silent for {@code idleNanos} up to {@code now} may be silent because we did
     * not read: paused for a reason of ours now, or within the last {@code idleNanos} (what it
     * sent meanwhile, a PINGREQ, is read only once reading resumes).
     */
    public boolean excusesSilence(long idleNanos, long now) {
        return (reasons & KEEP_ALIVE_HELD) != 0 || keepAliveHeld && now - keepAliveReleasedAt < idleNanos;
    }

    public boolean isPaused() {
        return reasons != 0;
    }

    private static int bit(Reason reason) {
        return 1 << reason.ordinal();
    }
}
