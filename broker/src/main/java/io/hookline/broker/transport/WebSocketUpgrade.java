package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.PeerAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets through only a WebSocket upgrade on the listener's path, for Netty's handshaker that
 * follows; anything else is answered 404 (another path) or 400 (not an upgrade), counted and
 * logged at debug, and the connection closed. Leaves the pipeline after the first request.
 * An {@code X-Forwarded-For} header is believed only from a configured trusted proxy.
 * One instance per channel.
 */
final class WebSocketUpgrade extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(WebSocketUpgrade.class);

    private final String listenerKey;
    private final String path;
    private final BrokerMetrics metrics;
    private final TrustedProxies proxies;

    WebSocketUpgrade(String listenerKey, String path, BrokerMetrics metrics, TrustedProxies proxies) {
        super(false);
        this.listenerKey = listenerKey;
        this.path = path;
        this.metrics = metrics;
        this.proxies = proxies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String requestPath = new QueryStringDecoder(request.uri()).path();
        String problem = null;
        HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
        if (!request.decoderResult().isSuccess()) {
            problem = "malformed HTTP request";
        } else if (!requestPath.equals(path)) {
            status = HttpResponseStatus.NOT_FOUND;
            problem = "path " + requestPath + " (MQTT is on " + path + ")";
        } else if (!HttpMethod.GET.equals(request.method())
                || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                || !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            problem = "not a WebSocket upgrade: " + request.method() + " " + request.uri();
        }
        if (problem == null) {
            forwardedFor(ctx, request);
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(request);
            return;
        }
        request.release();
        metrics.count(Counter.WEBSOCKET_BAD_REQUESTS);
        log.debug(
                "{}: refused HTTP request from {}: {}",
                listenerKey,
                ctx.channel().remoteAddress(),
                problem);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                status,
                Unpooled.copiedBuffer(
                        status.reasonPhrase() + ": this is an MQTT over WebSocket endpoint (" + path + ")\n",
                        StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** X-Forwarded-For from a trusted proxy names the client (its port is unknown: 0). */
    private void forwardedFor(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (proxies.isEmpty() || !(ctx.channel().remoteAddress() instanceof InetSocketAddress peer)) {
            return;
        }
        InetAddress client = proxies.client(peer.getAddress(), request.headers().getAll("X-Forwarded-For"));
        if (client != null) {
            ctx.channel().attr(PeerAddress.ATTRIBUTE).set(new InetSocketAddress(client, 0));
        }
    }
}
