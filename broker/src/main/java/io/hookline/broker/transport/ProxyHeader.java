package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.PeerAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol (v1 and v2) in front of a listener's connections. {@link #addTo} puts three
 * handlers into a new channel's pipeline: a look at the first bytes ({@link Check}), Netty's
 * {@link HAProxyMessageDecoder}, and this handler, which makes the header's source address the
 * client's {@link PeerAddress} and then leaves the pipeline, as the decoder does. A LOCAL header
 * (a balancer's health check) keeps the socket's address. A missing or bad header is counted,
 * logged at debug and the connection closed. One instance per channel.
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHeader.class);

    private final Refusal refusal;

    private ProxyHeader(Refusal refusal) {
        this.refusal = refusal;
    }

    /** Adds the PROXY protocol handlers to a new channel of listener {@code listenerKey}. */
    static void addTo(ChannelPipeline pipeline, String listenerKey, BrokerMetrics metrics) {
        Refusal refusal = new Refusal(listenerKey, metrics);
        pipeline.addLast("proxy-check", new Check(refusal));
        pipeline.addLast("proxy", new HAProxyMessageDecoder());
        pipeline.addLast("proxy-header", new ProxyHeader(refusal));
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
            refusal.refuse(ctx, "bad source address " + header.sourceAddress());
            return;
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            refusal.refuse(ctx, cause.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** How every missing or bad header ends: counted, logged at debug, the connection closed. */
    private record Refusal(String listenerKey, BrokerMetrics metrics) {
        void refuse(ChannelHandlerContext ctx, String why) {
            metrics.count(Counter.PROXY_PROTOCOL_ERRORS);
            log.debug(
                    "{}: no valid PROXY protocol header from {} ({}), closing",
                    listenerKey,
                    ctx.channel().remoteAddress(),
                    why);
            ctx.close();
        }
    }

    /**
     * Looks at the first bytes: a client that talks MQTT (or anything else) straight away is
     * refused at once, instead of the decoder waiting for a header line that never comes.
     * Leaves the pipeline, handing the bytes on, as soon as a v1 or v2 signature is seen.
     */
    private static final class Check extends ByteToMessageDecoder {
        private final Refusal refusal;

        Check(Refusal refusal) {
            this.refusal = refusal;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            ProtocolDetectionResult<HAProxyProtocolVersion> result = HAProxyMessageDecoder.detectProtocol(in);
            if (result.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
                return;
            }
            if (result.state() == ProtocolDetectionState.INVALID) {
                in.skipBytes(in.readableBytes());
                refusal.refuse(ctx, "the connection did not start with a PROXY protocol signature");
                return;
            }
            ctx.pipeline().remove(this);
        }
    }
}
