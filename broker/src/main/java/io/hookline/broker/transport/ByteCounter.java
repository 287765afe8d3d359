package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts bytes in and out at the socket, and the listener's open connections down when one
 * closes (here rather than in a close-future listener: a second listener there costs every
 * connection 48 bytes). Sharable and stateless apart from the thread-safe counters.
 */
@Sharable
final class ByteCounter extends ChannelDuplexHandler {

    private final BrokerMetrics metrics;
    private final AtomicInteger open;

    /** @param open the listener's open connections, counted up when one is admitted */
    ByteCounter(BrokerMetrics metrics, AtomicInteger open) {
        this.metrics = metrics;
        this.open = open;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesIn(buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesOut(buf.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
