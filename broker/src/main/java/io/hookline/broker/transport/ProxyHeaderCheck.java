package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Looks at the first bytes of a connection on a PROXY protocol listener: a client that
 * talks MQTT (or anything else) straight away is refused at once, instead of the decoder
 * waiting for a header line that never comes. Leaves the pipeline, handing the bytes on, as
 * soon as a v1 or v2 signature is seen. One instance per channel.
 */
final class ProxyHeaderCheck extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProxyHeaderCheck.class);

    private final String listenerKey;
    private final BrokerMetrics metrics;

    ProxyHeaderCheck(String listenerKey, BrokerMetrics metrics) {
        this.listenerKey = listenerKey;
        this.metrics = metrics;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ProtocolDetectionResult<HAProxyProtocolVersion> result = HAProxyMessageDecoder.detectProtocol(in);
        if (result.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
            return;
        }
        if (result.state() == ProtocolDetectionState.INVALID) {
            in.skipBytes(in.readableBytes());
            metrics.count(Counter.PROXY_PROTOCOL_ERRORS);
            log.debug("{}: connection from {} did not start with a PROXY protocol header, closing", listenerKey,
                    ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
    }
}
