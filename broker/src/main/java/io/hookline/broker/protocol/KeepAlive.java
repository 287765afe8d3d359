package io.hookline.broker.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The keep-alive timer (1.5 x the client's keep alive): a client that sent nothing for that long
 * is gone. Time we did not read from it (a hook window, max_message_rate, a throttle answer, a
 * congested subscriber: {@link ReadPause#excusesSilence}) does not count: its PINGREQs are
 * waiting in the socket. Such a silence is looked at again one period later, so a client that died
 * meanwhile is still caught, at most one period late. Confined to the channel's event loop.
 */
final class KeepAlive extends IdleStateHandler {

    private final long timeoutNanos;

    KeepAlive(long timeoutMillis) {
        super(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS);
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) throws Exception {
        if (ReadPause.of(ctx.channel()).excusesSilence(timeoutNanos, System.nanoTime())) {
            return;
        }
        super.channelIdle(ctx, evt);
    }
}
