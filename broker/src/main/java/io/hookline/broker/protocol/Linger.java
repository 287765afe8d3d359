package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closing a connection after the broker's last word (a v5 DISCONNECT, a refusing CONNACK) so
 * that the client gets to read it. Closing a socket that still has unread input makes the
 * kernel answer with a TCP reset, and a client still sending when it arrives loses what we
 * wrote. So once the last packet is written: stop reading MQTT (what arrives is discarded
 * unparsed), half-close our side (the client reads our packet, then end of stream), and close
 * when the client closes its side or after {@link #MILLIS} at most, whichever comes first.
 * The timer starts when the last packet is handed over, so a client that reads nothing cannot
 * hold the connection either. Stateless; runs on the channel's event loop.
 */
final class Linger {
    private Linger() {}

    /** How long a connection may stay half-closed, draining, after the broker's last packet. */
    static final long MILLIS = 1000;

    /** The handler that discards input while lingering; first in the pipeline. */
    static final String HANDLER_NAME = "linger";

    /** Writes {@code last} and flushes, then lingers and closes. */
    static void writeAndClose(ChannelHandlerContext ctx, Object last) {
        Channel channel = ctx.channel();
        ScheduledFuture<?> deadline =
                channel.eventLoop().schedule((Runnable) channel::close, MILLIS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
        ctx.writeAndFlush(last).addListener((ChannelFutureListener) Linger::drain);
    }

    private static void drain(ChannelFuture written) {
        Channel channel = written.channel();
        if (!written.isSuccess() || !channel.isActive() || !(channel instanceof DuplexChannel duplex)) {
            channel.close();
            return;
        }
        if (channel.pipeline().get(HANDLER_NAME) == null) {
            channel.pipeline().addFirst(HANDLER_NAME, Discard.INSTANCE);
        }
        channel.config().setAutoRead(true); // drain even when reading was paused
        channel.read();
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            shutdownOutput(duplex);
        } else {
            tls.closeOutbound().addListener(f -> shutdownOutput(duplex)); // close_notify first
        }
    }

    private static void shutdownOutput(DuplexChannel channel) {
        if (!channel.isOutputShutdown()) {
            channel.shutdownOutput().addListener(f -> {
                if (!f.isSuccess()) {
                    channel.close();
                }
            });
        }
    }

    /** Drops whatever is read: the connection is closing and its input is no longer MQTT to us. */
    @ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing to flush
        }
    }
}
