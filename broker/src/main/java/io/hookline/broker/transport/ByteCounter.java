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
 *
 * <p>A stage of its own where the transport has stages under MQTT's (TLS, WebSocket, PROXY): it
 * must see the bytes on the wire. On a plain TCP listener the first MQTT stage, the
 * {@link PacketFramer}, sees them already and counts through this object instead ({@link #in},
 * {@link #out}, {@link #closed}): one pipeline context (56 B) less per connection.
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

    /** Bytes read from the socket, when {@code msg} is a buffer. */
    void in(Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesIn(buf.readableBytes());
        }
    }

    /** Bytes written to the socket, when {@code msg} is a buffer. */
    void out(Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesOut(buf.readableBytes());
        }
    }

    /** A connection of the listener closed. */
    void closed() {
        open.decrementAndGet();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        in(msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        out(msg);
        ctx.write(msg, promise);
    }
}
