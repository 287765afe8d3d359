package io.hookline.broker.protocol;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionConnection;
import io.hookline.broker.session.Will;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One client connection: the MQTT state machine from CONNECT to close. CONNECT, PUBLISH and
 * SUBSCRIBE handling live in {@link ConnectFlow}, {@link PublishFlow} and {@link SubscribeFlow};
 * this class dispatches, owns the connection's state and writes packets.
 *
 * <p>Confined to the channel's event loop, except {@link #submit} and {@link #takeOver}, which
 * hand work to that loop.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements SessionConnection {

    static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    enum State { AWAIT_CONNECT, CONNECTED, CLOSED }

    final BrokerContext broker;
    ChannelHandlerContext ctx;
    State state = State.AWAIT_CONNECT;

    // set by ConnectFlow when the CONNECT is accepted
    int version = 4;
    String clientId;
    String username;
    Session session;
    Will will;                            // cleared by a normal DISCONNECT
    int clientReceiveMaximum = 65535;
    int clientMaximumPacketSize = Integer.MAX_VALUE;
    boolean problemInformation = true;
    String[] inboundAliases;              // index: topic alias
    ScheduledFuture<?> connectTimeout;
    ScheduledFuture<?> retryTask;

    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        ctx.flush();
    };

    public MqttConnection(BrokerContext broker) {
        this.broker = broker;
    }

    ProtocolSettings settings() {
        return broker.settings();
    }

    /** "client-id" or the remote address before CONNECT, for log lines. */
    String who() {
        return clientId != null ? "client '" + clientId + "'" : "connection " + ctx.channel().remoteAddress();
    }

    // ---- channel events ------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        broker.metrics().connections().incrementAndGet();
        broker.metrics().count(Counter.CONNECTIONS_ACCEPTED);
        connectTimeout = ctx.executor().schedule(() -> {
            if (state == State.AWAIT_CONNECT) {
                broker.metrics().count(Counter.CONNECT_TIMEOUTS);
                log.debug("{}: no CONNECT within the connect timeout, closing", who());
                ctx.close();
            }
        }, settings().connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (m.decoderResult().isFailure()) {
                decodeFailed(m);
            } else if (state == State.CONNECTED) {
                dispatch(m);
            } else if (state == State.AWAIT_CONNECT) {
                if (m.fixedHeader().messageType() == MqttMessageType.CONNECT) {
                    ConnectFlow.connect(this, (MqttConnectMessage) m);
                } else {
                    broker.metrics().count(Counter.PROTOCOL_ERRORS);
                    log.debug("{}: {} before CONNECT, closing", who(), m.fixedHeader().messageType());
                    close();
                }
            }
        } finally {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && session != null) {
            session.drain(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            broker.metrics().count(Counter.KEEPALIVE_TIMEOUTS);
            log.debug("{}: keep alive expired, closing", who());
            disconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}, closing", who(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (retryTask != null) {
            retryTask.cancel(false);
        }
        broker.metrics().connections().decrementAndGet();
        if (session != null) {
            broker.sessions().detach(session, this, will);
            log.debug("{} disconnected", who());
        }
        ctx.fireChannelInactive();
    }

    // ---- inbound dispatch ----------------------------------------------------------------

    private void dispatch(MqttMessage m) {
        switch (m.fixedHeader().messageType()) {
            case PUBLISH -> PublishFlow.publish(this, (MqttPublishMessage) m);
            case PUBACK -> session.acknowledge(this, packetId(m), false);
            case PUBREC -> pubrec(m);
            case PUBREL -> pubrel(packetId(m));
            case PUBCOMP -> session.acknowledge(this, packetId(m), true);
            case SUBSCRIBE -> SubscribeFlow.subscribe(this, (MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> SubscribeFlow.unsubscribe(this, (MqttUnsubscribeMessage) m);
            case PINGREQ -> ctx.write(Packets.PINGRESP, ctx.voidPromise());
            case DISCONNECT -> clientDisconnect(m);
            case CONNECT -> protocolError("second CONNECT");
            case AUTH -> protocolError("AUTH without an authentication method in CONNECT");
            default -> protocolError(m.fixedHeader().messageType() + " is not sent by clients");
        }
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private void pubrec(MqttMessage m) {
        int id = packetId(m);
        if (version == 5 && m.variableHeader() instanceof MqttPubReplyMessageVariableHeader v
                && (v.reasonCode() & 0x80) != 0) {
            session.refused(this, id);  // the client refused it: no PUBREL, the id is free again
            return;
        }
        if (!session.received(this, id) && version == 5) {
            ctx.write(Packets.pubReply(MqttMessageType.PUBREL, id, ReasonCodes.PACKET_IDENTIFIER_NOT_FOUND),
                    ctx.voidPromise());
        }
    }

    private void pubrel(int id) {
        boolean known = session.release(id);
        byte code = known || version != 5 ? ReasonCodes.SUCCESS : ReasonCodes.PACKET_IDENTIFIER_NOT_FOUND;
        ctx.write(Packets.pubReply(MqttMessageType.PUBCOMP, id, code), ctx.voidPromise());
    }

    private void clientDisconnect(MqttMessage m) {
        byte reason = ReasonCodes.SUCCESS;
        if (version == 5 && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader v) {
            reason = v.reasonCode();
            Integer expiry = Props.integer(v.properties(), MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL);
            if (expiry != null) {
                if (session.expirySeconds() == 0 && expiry != 0) {
                    // MQTT 5 §3.14.2.2.2: from 0 to non-zero is a protocol error
                    protocolError("session expiry interval set on DISCONNECT after 0 at CONNECT");
                    return;
                }
                long seconds = Integer.toUnsignedLong(expiry);
                long cap = settings().maxSessionExpirySeconds();
                seconds = seconds == 0xFFFFFFFFL ? -1 : seconds;
                if (cap >= 0 && (seconds < 0 || seconds > cap)) {
                    seconds = cap;
                }
                session.setExpirySeconds(seconds);
            }
        }
        if (reason != ReasonCodes.DISCONNECT_WITH_WILL) {
            will = null; // a normal DISCONNECT deletes the will
        }
        state = State.CLOSED;
        ctx.close();
    }

    private void decodeFailed(MqttMessage m) {
        Throwable cause = m.decoderResult().cause();
        MqttFixedHeader header = m.fixedHeader();
        boolean tooLong = cause instanceof TooLongFrameException;
        broker.metrics().count(tooLong ? Counter.LIMIT_MESSAGE_SIZE : Counter.MALFORMED_PACKETS);
        log.debug("{}: bad packet ({}), closing", who(), cause.getMessage());
        if (state == State.AWAIT_CONNECT) {
            byte code;
            int connackVersion = ConnectFlow.decodedVersion(ctx);
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                code = ReasonCodes.UNSUPPORTED_PROTOCOL_VERSION;
                connackVersion = 4;   // we do not know the client's version: answer in 3.1.1 form (spec)
            } else if (cause instanceof MqttIdentifierRejectedException) {
                code = ReasonCodes.CLIENT_IDENTIFIER_NOT_VALID;
            } else if (header != null && header.messageType() == MqttMessageType.CONNECT && connackVersion == 5) {
                code = tooLong ? ReasonCodes.PACKET_TOO_LARGE : ReasonCodes.MALFORMED_PACKET;
            } else {
                close();
                return;
            }
            broker.metrics().count(Counter.CONNECTS_REFUSED);
            ctx.writeAndFlush(Packets.connack(connackVersion, code, false, null))
                    .addListener(ChannelFutureListener.CLOSE);
            state = State.CLOSED;
            return;
        }
        disconnect(tooLong ? ReasonCodes.PACKET_TOO_LARGE : ReasonCodes.MALFORMED_PACKET, cause.getMessage());
    }

    // ---- closing -------------------------------------------------------------------------

    /** A protocol violation: v5 gets DISCONNECT 0x82, v3 a closed socket. Logged once at debug. */
    void protocolError(String what) {
        broker.metrics().count(Counter.PROTOCOL_ERRORS);
        log.debug("{}: protocol error: {}, closing", who(), what);
        disconnect(ReasonCodes.PROTOCOL_ERROR, what);
    }

    /** Closes the connection; v5 clients are told why with a DISCONNECT first. The will stands. */
    void disconnect(byte reasonCode, String reasonString) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (version == 5 && clientId != null) {
            ctx.writeAndFlush(Packets.disconnect(reasonCode, problemInformation ? reasonString : null))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    void close() {
        state = State.CLOSED;
        ctx.close();
    }

    // ---- SessionConnection ---------------------------------------------------------------

    @Override
    public void submit(Session target, Delivery delivery) {
        if (ctx.executor().inEventLoop()) {
            target.deliver(this, delivery);
        } else {
            ctx.executor().execute(() -> target.deliver(this, delivery));
        }
    }

    @Override
    public void writePublish(int packetId, Delivery delivery, boolean dup) {
        long expiry = version == 5 ? delivery.message().remainingExpirySeconds(System.nanoTime()) : -1;
        ctx.write(new OutgoingPublish(delivery, packetId, dup, version == 5, expiry), ctx.voidPromise());
        broker.metrics().messageOut(delivery.qos());
    }

    @Override
    public void writePubrel(int packetId) {
        ctx.write(Packets.pubReply(MqttMessageType.PUBREL, packetId, ReasonCodes.SUCCESS), ctx.voidPromise());
    }

    @Override
    public void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    @Override
    public int inflightWindow() {
        return settings().inflightWindow(clientReceiveMaximum);
    }

    @Override
    public boolean writable() {
        return ctx.channel().isWritable();
    }

    @Override
    public boolean fits(Delivery delivery) {
        if (clientMaximumPacketSize == Integer.MAX_VALUE) {
            return true;
        }
        long expiry = version == 5 ? delivery.message().remainingExpirySeconds(System.nanoTime()) : -1;
        return PublishEncoder.packetSize(delivery, version == 5, expiry) <= clientMaximumPacketSize;
    }

    @Override
    public void takeOver() {
        ctx.executor().execute(() -> {
            log.debug("{}: session taken over by a new connection", who());
            disconnect(ReasonCodes.SESSION_TAKEN_OVER, "session taken over");
        });
    }

    @Override
    public boolean inEventLoop() {
        return ctx.executor().inEventLoop();
    }
}
