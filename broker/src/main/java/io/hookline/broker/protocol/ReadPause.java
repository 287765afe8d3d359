package io.hookline.broker.protocol;

import io.netty.channel.Channel;

/**
 * The reasons reading from one client is paused. Several parts of a connection may each want
 * reading paused (a full hook window, a congested subscriber); the socket is read again only
 * when none of them does, so one part resuming never undoes another's pause.
 *
 * <p>Confined to the channel's event loop.
 */
final class ReadPause {

    /** Hook decisions of {@link InboundOrder}'s window are all in flight. */
    static final int HOOK_WINDOW = 1;
    /** A session this client publishes to is above its queue high-water mark. */
    static final int BACKPRESSURE = 2;

    private final Channel channel;
    private int reasons;

    ReadPause(Channel channel) {
        this.channel = channel;
    }

    /** Pauses reading for {@code reason}; true when that reason was not pausing it already. */
    boolean pause(int reason) {
        if ((reasons & reason) != 0) {
            return false;
        }
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= reason;
        return true;
    }

    /** Drops {@code reason}; reads again when it was the last one. */
    void resume(int reason) {
        if ((reasons & reason) == 0) {
            return;
        }
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    boolean paused() {
        return reasons != 0;
    }

    boolean pausedFor(int reason) {
        return (reasons & reason) != 0;
    }
}
