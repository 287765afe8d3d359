package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.PeerAddress;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Follows Netty's {@link HAProxyMessageDecoder} (PROXY protocol v1 and v2): the header's
 * source address becomes the client's {@link PeerAddress}; then this handler leaves the
 * pipeline, as the decoder does. A missing or bad header is counted, logged at debug and the
 * connection closed. A LOCAL header (a balancer's health check) keeps the socket's address.
 * One instance per channel.
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHeader.class);

    private final String listenerKey;
    private final BrokerMetrics metrics;

    ProxyHeader(String listenerKey, BrokerMetrics metrics) {
        this.listenerKey = listenerKey;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                // the decoder has checked that the address is a literal of the header's family: no DNS lookup
                InetAddress source = InetAddress.getByName(header.sourceAddress());
                ctx.channel().attr(PeerAddress.ATTRIBUTE).set(new InetSocketAddress(source, header.sourcePort()));
            }
        } catch (UnknownHostException e) {
            refuse(ctx, "bad source address " + header.sourceAddress());
            return;
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            refuse(ctx, cause.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        metrics.count(Counter.PROXY_PROTOCOL_ERRORS);
        log.debug("{}: no valid PROXY protocol header from {} ({}), closing", listenerKey,
                ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
