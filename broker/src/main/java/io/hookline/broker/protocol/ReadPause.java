package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Why reading from one client's socket is paused. Several parts of the broker pause a client
 * for their own reason (a full hook window, a message rate); reading resumes only once no
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
    }

    private static final AttributeKey<ReadPause> KEY = AttributeKey.valueOf(ReadPause.class, "readPause");

    private final Channel channel;
    private int reasons;   // bit per Reason ordinal

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

    /** Stops reading for {@code reason} (no effect when already paused for it). */
    public void pause(Reason reason) {
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= 1 << reason.ordinal();
    }

    /** Drops {@code reason}; reading resumes when it was the last one. */
    public void resume(Reason reason) {
        int bit = 1 << reason.ordinal();
        if ((reasons & bit) == 0) {
            return;
        }
        reasons &= ~bit;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    public boolean isPaused(Reason reason) {
        return (reasons & 1 << reason.ordinal()) != 0;
    }

    public boolean isPaused() {
        return reasons != 0;
    }
}
