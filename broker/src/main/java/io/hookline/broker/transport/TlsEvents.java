package io.hookline.broker.transport;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.ClientCertificate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the {@link SslHandler}: on a completed handshake it puts the client's
 * verified certificate on the channel ({@link ClientCertificate#ATTRIBUTE}) and leaves the
 * pipeline; a failed handshake is counted and logged at debug, nothing more (the SslHandler
 * closes the connection). One instance per channel, confined to its event loop.
 */
final class TlsEvents extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsEvents.class);

    private final String listenerKey;
    private final BrokerMetrics metrics;
    private boolean failed;

    TlsEvents(String listenerKey, BrokerMetrics metrics) {
        this.listenerKey = listenerKey;
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                try {
                    Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
                    if (peer.length > 0 && peer[0] instanceof X509Certificate x509) {
                        ctx.channel().attr(ClientCertificate.ATTRIBUTE).set(ClientCertificate.of(x509));
                    }
                } catch (SSLPeerUnverifiedException noCertificate) {
                    // the client sent none and none was required
                }
                ctx.pipeline().remove(this);
            } else if (!failed) {
                failed = true;
                metrics.count(Counter.TLS_HANDSHAKE_FAILURES);
                log.debug(
                        "{}: TLS handshake with {} failed: {}",
                        listenerKey,
                        ctx.channel().remoteAddress(),
                        done.cause().toString());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (failed || cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            ctx.close(); // already counted and logged as a handshake failure
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
