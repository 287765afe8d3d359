package io.hookline.broker.protocol;

import io.hookline.api.hook.input.PublishInput;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.hooks.DeliverRewrite;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionConnection;
import io.hookline.broker.session.Will;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
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
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    enum State {
        AWAIT_CONNECT,
        CONNECTED,
        CLOSED
    }

    final BrokerContext broker;
    ListenerInfo listener; // replaced when auth_on_register rewrites the mountpoint
    ChannelHandlerContext ctx;
    State state = State.AWAIT_CONNECT;

    // set by ConnectFlow when the CONNECT is accepted
    int version = 4;
    String clientId;
    String username;
    String claimedUsername; // the CONNECT's user name, for the log and events before it is accepted
    String closeReason; // why the connection ended, for the log and the disconnected event
    Session session;
    Will will; // cleared by a normal DISCONNECT
    /** What the CONNECT settled: defaults, then the client's limits, then the whole negotiation (immutable). */
    ConnectionTerms terms = ConnectionTerms.BEFORE_CONNECT;

    String[] inboundAliases; // index: topic alias; made at the first (ConnectionTerms#topicAliasMaximum)
    /** Topic aliases towards a v5 client that announced a Topic Alias Maximum, or null. */
    OutboundAliases outboundAliases;

    /** The keep-alive timer once a CONNECT with a keep alive is accepted, else null. */
    KeepAlive keepAlive;

    ScheduledFuture<?> connectTimeout;
    private ScheduledFuture<?> retryTask; // runs only while QoS 1/2 packets are in flight

    /** The hook engine's view of this client once its CONNECT is accepted. */
    HookSession hookSession;
    /**
     * Inbound effects in arrival order while hook calls are in flight (at most PIPELINE packets);
     * made when the first must wait ({@link #order}): most connections never wait (64 B each).
     */
    private InboundOrder order;
    /** PUBLISHes waiting for on_deliver calls beyond which the session's queue holds the rest. */
    static final int MAX_PENDING_DELIVERIES = 256;

    private boolean waitingForDeliverCalls; // writable() said no because of them; event loop only
    /** Outgoing PUBLISHes in order while on_deliver calls are in flight; made at the first such call. */
    private InboundOrder deliveries;
    /** Acknowledgements in the order of their packets while store writes are in flight; made at the first such write. */
    private InboundOrder acks;
    /** A CONNECT is being decided: later packets wait for it whole. */
    boolean connectPending;
    /** Accepted, the CONNACK waits for the session's record to be stored: packets wait, nothing is sent. */
    boolean connackPending;
    /**
     * The auth_on_register or on_auth_m5 verdict (or the will's auth_on_publish) being waited for, or null: cancelled when the
     * connection closes first, so a slow handler (a webhook) stops working for a client gone.
     */
    CompletableFuture<?> authCall;
    /** MQTT 5 enhanced authentication: the method in use, and the CONNECT waiting for the exchange to end. */
    String authMethod;

    ConnectFlow.Request pendingAuth;
    boolean reauthenticating;
    /** The schedule of {@link ConnectionTerms#maxMessageRate}, or null for no limit. */
    MessageRate messageRate;
    /** Pauses this client on auth_on_publish's throttle answer; null until the first one. */
    PublishThrottle throttle;
    /** Closes the connection at auth_on_register's max_connection_lifetime, or null. */
    ScheduledFuture<?> lifetimeTask;

    /** This client as a publisher that may be held for congested sessions; told by the router. */
    final PublisherHold hold = new PublisherHold(this);

    /** Packets of one client whose hook calls may be in flight at once before reading pauses. */
    static final int PIPELINE = 32;

    private boolean flushScheduled;
    /** Retained messages of this client's SUBSCRIBEs not yet offered to its session; made at the first. */
    RetainedFeed retainedFeed;

    private final Runnable flushTask = () -> {
        flushScheduled = false;
        ctx.flush();
        if (retainedFeed != null && !retainedFeed.isEmpty()) {
            retainedFeed.feed(); // the socket took what was queued: stream on
        }
    };

    public MqttConnection(BrokerContext broker) {
        this(broker, ListenerInfo.DEFAULT);
    }

    public MqttConnection(BrokerContext broker, ListenerInfo listener) {
        this.broker = broker;
        this.listener = listener;
    }

    /** The listener that accepted this connection (name, mountpoint, overrides). */
    public ListenerInfo listener() {
        return listener;
    }

    /** The user name in effect (from CONNECT, or the certificate CN with use_identity_as_username); null before CONNECT. */
    public String username() {
        return username;
    }

    /** The client's address (as told by a trusted proxy, if any); hooks see it as peer_addr/peer_port. */
    @Override
    public InetSocketAddress peerAddress() {
        return ctx == null ? null : PeerAddress.of(ctx.channel());
    }

    /** The verified TLS client certificate, or null (no TLS, or no certificate sent). */
    public ClientCertificate clientCertificate() {
        // hasAttr first: attr() would add an empty attribute to every channel that has none
        return ctx == null || !ctx.channel().hasAttr(ClientCertificate.ATTRIBUTE)
                ? null
                : ctx.channel().attr(ClientCertificate.ATTRIBUTE).get();
    }

    ProtocolSettings settings() {
        return broker.settings();
    }

    /** "client-id" or the remote address before CONNECT, for log lines. */
    String who() {
        return clientId != null ? "client '" + clientId + "'" : "connection " + PeerAddress.of(ctx.channel());
    }

    // ---- channel events ------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ReadPause.useTime(ctx.channel(), broker.scheduler()); // before anything pauses reading
        broker.metrics().connections().incrementAndGet();
        broker.metrics().count(Counter.CONNECTIONS_ACCEPTED);
        connectTimeout = ctx.executor()
                .schedule(
                        () -> {
                            if (state == State.AWAIT_CONNECT) {
                                broker.metrics().count(Counter.CONNECT_TIMEOUTS);
                                log.debug("{}: no CONNECT within the connect timeout, closing", who());
                                ctx.close();
                            }
                        },
                        settings().connectTimeoutMillis(),
                        TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (keepAlive != null) {
            keepAlive.read();
        }
        if (!(msg instanceof MqttMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (state == State.CONNECTED
                    && m.fixedHeader() != null
                    && m.fixedHeader().messageType() == MqttMessageType.CONNECT) {
                ConnectFlow.restoreCodecVersion(ctx, version); // a second CONNECT: still answer in our version
            }
            if (m.decoderResult().isFailure() && !connackPending) {
                decodeFailed(m);
            } else if (connectPending || connackPending) {
                // the CONNECT's hooks are still deciding, or its CONNACK waits for the store: this packet waits, whole.
                // A malformed one too, once the CONNECT is accepted: its DISCONNECT must follow the CONNACK and
                // the packets read before it ([MQTT-3.14.0-1]: no DISCONNECT before the CONNACK)
                ReferenceCountUtil.retain(m);
                inOrder(() -> {
                    try {
                        if (state == State.CONNECTED) {
                            if (m.decoderResult().isFailure()) {
                                decodeFailed(m);
                            } else {
                                dispatch(m);
                            }
                        }
                    } finally {
                        ReferenceCountUtil.release(m);
                    }
                });
            } else if (state == State.CONNECTED) {
                dispatch(m);
            } else if (state == State.AWAIT_CONNECT) {
                if (m.fixedHeader().messageType() == MqttMessageType.CONNECT
                        && clientId == null
                        && pendingAuth == null) {
                    ConnectFlow.connect(this, (MqttConnectMessage) m);
                } else if (m.fixedHeader().messageType() == MqttMessageType.AUTH && pendingAuth != null) {
                    ConnectFlow.auth(this, m);
                } else {
                    broker.metrics().count(Counter.PROTOCOL_ERRORS);
                    log.debug(
                            "{}: {} before CONNECT, closing",
                            who(),
                            m.fixedHeader().messageType());
                    close();
                }
            }
        } finally {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (keepAlive != null) {
            keepAlive.readComplete();
        }
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
            keepAliveExpired();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The client sent nothing for 1.5 x its keep alive ({@link KeepAlive}). */
    void keepAliveExpired() {
        broker.metrics().count(Counter.KEEPALIVE_TIMEOUTS);
        disconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {}, closing", who(), cause.toString());
        if (closeReason == null) {
            closeReason = "connection error: " + cause;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        broker.metrics().connections().decrementAndGet();
        if (connackPending && state == State.CONNECTED && closeReason == null && order.pendingCount() > 1) {
            // The client closed its socket right behind packets pipelined after a persistent CONNECT,
            // which wait for the CONNACK's record: they are applied once it is stored, in order, as
            // on an open socket (answers to the closed one go nowhere), and only then does the
            // connection end: a SUBSCRIBE is applied, a PUBLISH routed, a DISCONNECT ends it without
            // its will. Nothing waits (a plain close, a broker-decided one): it ends now.
            order.then(this::endWhenApplied);
        } else {
            ended();
        }
        ctx.fireChannelInactive();
    }

    // on the event loop, in order: applying a packet may queue a step of its own (a PUBLISH's
    // routing, a DISCONNECT): the connection ends only behind the last of them
    private void endWhenApplied() {
        if (order.pendingCount() > 0) {
            order.then(this::endWhenApplied);
        } else {
            ended();
        }
    }

    // the connection is gone (on the event loop): the session detaches (will as usual), hooks and events are told
    private void ended() {
        state = State.CLOSED;
        if (authCall != null) {
            // the verdict's callback runs now, sees CLOSED and opens nothing
            authCall.cancel(false);
            authCall = null;
        }
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (keepAlive != null) {
            keepAlive.stop();
            keepAlive = null;
        }
        if (retryTask != null) {
            retryTask.cancel(false);
        }
        if (lifetimeTask != null) {
            lifetimeTask.cancel(false);
        }
        if (throttle != null) {
            throttle.cancel();
        }
        hold.close();
        if (session != null) {
            broker.sessions().detach(session, this, will);
            if (hookSession != null) {
                broker.hooks().closeSession(hookSession);
            }
            broker.events()
                    .disconnected(
                            listener.mountpoint(),
                            clientId,
                            username,
                            peerAddress(),
                            closeReason == null ? "connection closed by the client without DISCONNECT" : closeReason);
        }
    }

    // ---- inbound dispatch ----------------------------------------------------------------

    private void dispatch(MqttMessage m) {
        if (version == 5) {
            String malformed = Packets.malformedProperties(m.fixedHeader().messageType(), Packets.properties(m));
            if (malformed != null) {
                broker.metrics().count(Counter.MALFORMED_PACKETS);
                disconnect(ReasonCodes.MALFORMED_PACKET, malformed);
                return;
            }
        }
        switch (m.fixedHeader().messageType()) {
            case PUBLISH -> PublishFlow.publish(this, (MqttPublishMessage) m);
            case PUBACK -> acknowledge(packetId(m), false);
            case PUBREC -> pubrec(m);
            case PUBREL -> {
                int id = packetId(m);
                inOrder(() -> pubrel(id));
            }
            case PUBCOMP -> acknowledge(packetId(m), true);
            case SUBSCRIBE -> SubscribeFlow.subscribe(this, (MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> SubscribeFlow.unsubscribe(this, (MqttUnsubscribeMessage) m);
            case PINGREQ -> ctx.write(Packets.PINGRESP, ctx.voidPromise());
            case DISCONNECT -> inOrder(() -> clientDisconnect(m));
            case CONNECT -> protocolError("second CONNECT");
            case AUTH -> ConnectFlow.auth(this, m);
            default -> protocolError(m.fixedHeader().messageType() + " is not sent by clients");
        }
    }

    /** This connection's inbound order, made now if none was needed yet. Event loop only. */
    InboundOrder order() {
        if (order == null) {
            order = new InboundOrder(ctx.channel(), PIPELINE, this::flushSoon);
        }
        return order;
    }

    /** {@link InboundOrder#then(CompletionStage, BiConsumer)}: with nothing pending and a decision made, applied now, no order made. */
    <T> void inOrder(CompletionStage<T> decision, BiConsumer<? super T, Throwable> apply) {
        if (order == null && decision instanceof CompletableFuture<T> f && f.isDone()) {
            InboundOrder.applyNow(f, apply);
            return;
        }
        order().then(decision, apply);
    }

    /** {@link InboundOrder#then(Runnable)}: now when nothing is pending. */
    void inOrder(Runnable action) {
        if (order == null) {
            action.run();
            return;
        }
        order.then(action);
    }

    /** Inbound packets waiting for their turn ({@link InboundOrder#pendingCount}). */
    int pendingInOrder() {
        return order == null ? 0 : order.pendingCount();
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    /** PUBACK or PUBCOMP; one of the wrong kind for the message in flight is a protocol error. */
    private void acknowledge(int id, boolean pubcomp) {
        if (!session.acknowledge(this, id, pubcomp)) {
            String wrong = session.wrongAcknowledgement(this, id, pubcomp ? 7 : 4);
            if (wrong != null) {
                protocolError(wrong + ", packet id " + id);
            }
        }
    }

    private void pubrec(MqttMessage m) {
        int id = packetId(m);
        if (version == 5
                && m.variableHeader() instanceof MqttPubReplyMessageVariableHeader v
                && (v.reasonCode() & 0x80) != 0) {
            session.refused(this, id); // the client refused it: no PUBREL, the id is free again
            return;
        }
        CompletionStage<Void> stored = session.received(this, id);
        if (stored == null) {
            String wrong = session.wrongAcknowledgement(this, id, 5);
            if (wrong != null) {
                protocolError(wrong + ", packet id " + id);
            } else if (version == 5) {
                ctx.write(
                        Packets.pubReply(MqttMessageType.PUBREL, id, ReasonCodes.PACKET_IDENTIFIER_NOT_FOUND),
                        ctx.voidPromise());
            }
            return;
        }
        acknowledge(
                stored,
                error -> { // PUBREL once the PUBREL stage is stored (Session.received)
                    if (error != null) {
                        log.warn("{}: PUBREC {} not stored: {}", who(), id, error.toString());
                        disconnect(ReasonCodes.UNSPECIFIED_ERROR, "the store could not record the PUBREC");
                        return;
                    }
                    writePubrel(id);
                    flushSoon();
                });
    }

    // the id leaves the stores before PUBCOMP: a client that got PUBCOMP may reuse it at once
    private void pubrel(int id) {
        StoreBatch batch = broker.stores().batch();
        boolean known = session.release(id, batch);
        byte code = known || version != 5 ? ReasonCodes.SUCCESS : ReasonCodes.PACKET_IDENTIFIER_NOT_FOUND;
        CompletionStage<Void> stored = batch.commit();
        if (stored == StoreBatch.DONE && acksIdle()) { // memory stores: no lambda, no wait
            ctx.write(Packets.pubReply(MqttMessageType.PUBCOMP, id, code), ctx.voidPromise());
            return;
        }
        acknowledge(stored, error -> {
            if (error != null) {
                log.warn("{}: PUBREL {} not stored: {}", who(), id, error.toString());
                disconnect(ReasonCodes.UNSPECIFIED_ERROR, "the store could not record the PUBREL");
                return;
            }
            ctx.write(Packets.pubReply(MqttMessageType.PUBCOMP, id, code), ctx.voidPromise());
        });
    }

    /** No acknowledgement waits for the store: one whose writes are done may go out now. */
    boolean acksIdle() {
        return acks == null || acks.pendingCount() == 0;
    }

    /**
     * Sends an acknowledgement (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK) once {@code stored}
     * completes and every earlier one went out: acknowledgements keep the order of their packets
     * (MQTT-4.6.0-2) while later packets are already routed; nothing waits with memory stores.
     * {@code write} gets the store's error, or null; it is not called once the connection is
     * closed. At {@link #PIPELINE} acknowledgements waiting, reading pauses
     * ({@link ReadPause.Reason#STORE}): the store's pace bounds what a client may have in flight.
     */
    void acknowledge(CompletionStage<Void> stored, java.util.function.Consumer<Throwable> write) {
        if (stored == StoreBatch.DONE && acksIdle()) {
            write.accept(null);
            return;
        }
        if (acks == null) {
            acks = new InboundOrder(ctx.channel(), PIPELINE, ReadPause.Reason.STORE, this::flushSoon);
        }
        acks.then(stored, (v, error) -> {
            if (state == State.CONNECTED) {
                write.accept(error);
            }
        });
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
        if (reason == ReasonCodes.SUCCESS) {
            will = null; // only a normal DISCONNECT deletes the will (5.0 [MQTT-3.1.2-10]); 0x04 and errors keep it
        }
        closeReason = reason == ReasonCodes.SUCCESS
                ? "client sent DISCONNECT"
                : "client sent DISCONNECT with reason 0x" + Integer.toHexString(reason & 0xFF);
        state = State.CLOSED;
        // acknowledgements written before the DISCONNECT still go out; unflushed, the close would fail them
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void decodeFailed(MqttMessage m) {
        Throwable cause = m.decoderResult().cause();
        MqttFixedHeader header = m.fixedHeader();
        boolean tooLong = cause instanceof TooLongFrameException;
        boolean violation = cause instanceof ProtocolViolation;
        broker.metrics()
                .count(
                        tooLong
                                ? Counter.LIMIT_MESSAGE_SIZE
                                : violation ? Counter.PROTOCOL_ERRORS : Counter.MALFORMED_PACKETS);
        if (state == State.AWAIT_CONNECT) {
            log.debug("{}: bad packet before CONNECT was accepted ({}), closing", who(), cause.getMessage());
            byte code;
            int connackVersion = ConnectFlow.decodedVersion(ctx);
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                code = ReasonCodes.UNSUPPORTED_PROTOCOL_VERSION;
                connackVersion = 4; // we do not know the client's version: answer in 3.1.1 form (spec)
            } else if (cause instanceof MqttIdentifierRejectedException) {
                code = ReasonCodes.CLIENT_IDENTIFIER_NOT_VALID;
            } else if (header != null && header.messageType() == MqttMessageType.CONNECT && connackVersion == 5) {
                code = tooLong
                        ? ReasonCodes.PACKET_TOO_LARGE
                        : violation ? ReasonCodes.PROTOCOL_ERROR : ReasonCodes.MALFORMED_PACKET;
            } else {
                close();
                return;
            }
            broker.metrics().count(Counter.CONNECTS_REFUSED);
            Linger.writeAndClose(ctx, Packets.connack(connackVersion, code, false, null));
            state = State.CLOSED;
            return;
        }
        disconnect(
                tooLong
                        ? ReasonCodes.PACKET_TOO_LARGE
                        : violation ? ReasonCodes.PROTOCOL_ERROR : ReasonCodes.MALFORMED_PACKET,
                cause.getMessage());
    }

    // ---- closing -------------------------------------------------------------------------

    /** A protocol violation: v5 gets DISCONNECT 0x82, v3 a closed socket. Logged once at debug. */
    void protocolError(String what) {
        broker.metrics().count(Counter.PROTOCOL_ERRORS);
        disconnect(ReasonCodes.PROTOCOL_ERROR, what);
    }

    /**
     * Closes the connection; v5 clients are told why with a DISCONNECT first. The will stands.
     * The one place a connection closed by the broker is logged (at debug), so each cause is logged once.
     */
    void disconnect(byte reasonCode, String reasonString) {
        disconnect(reasonCode, reasonString, null);
    }

    private void disconnect(byte reasonCode, String reasonString, String serverReference) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        closeReason = reasonString + " (0x" + Integer.toHexString(reasonCode & 0xFF) + ")";
        log.debug("{}: closing, reason 0x{}: {}", who(), Integer.toHexString(reasonCode & 0xFF), reasonString);
        // no DISCONNECT while the CONNACK still waits for the store ([MQTT-3.14.0-1]): a close without a word
        if (version == 5 && clientId != null && !connackPending) {
            boolean withReason = terms.problemInformation()
                    && reasonString != null
                    && Packets.reasonStringFits(1, reasonString, terms.clientMaximumPacketSize());
            Linger.writeAndClose(
                    ctx, Packets.disconnect(reasonCode, withReason ? reasonString : null, serverReference));
        } else {
            Linger.writeAndClose(ctx, Unpooled.EMPTY_BUFFER); // what was written (a CONNACK) still goes out
        }
    }

    /** The client id once CONNECT is accepted, else null. Event loop only for a consistent view. */
    public String clientId() {
        return clientId;
    }

    /** An operator or plugin asked to disconnect this client (v5: DISCONNECT 0x98). Any thread. */
    public void administrativeDisconnect() {
        ctx.executor()
                .execute(() -> disconnect(ReasonCodes.ADMINISTRATIVE_ACTION, "disconnected by the administrator"));
    }

    /**
     * Sends the client to another node: MQTT 5 gets DISCONNECT 0x9C Use another server with
     * {@code serverReference} (null: 0x8B server shutting down); older versions are closed. Any thread.
     */
    public void redirect(String serverReference) {
        ctx.executor().execute(() -> {
            if (serverReference == null) {
                disconnect(ReasonCodes.SERVER_SHUTTING_DOWN, "this node leaves the cluster");
            } else {
                disconnect(ReasonCodes.USE_ANOTHER_SERVER, "use another server: " + serverReference, serverReference);
            }
        });
    }

    /** The broker is stopping: v5 clients get DISCONNECT 0x8B, then the socket closes (wills apply). Any thread. */
    public void serverShutdown() {
        ctx.executor().execute(() -> disconnect(ReasonCodes.SERVER_SHUTTING_DOWN, "server shutting down"));
    }

    void close() {
        if (closeReason == null) {
            closeReason = "closed by the broker";
        }
        state = State.CLOSED;
        Linger.writeAndClose(ctx, Unpooled.EMPTY_BUFFER); // what was written still goes out, then end of stream
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
    public void execute(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the event loop is shut down, so this connection is closed: nothing is left to send on it
        }
    }

    @Override
    public void writePublish(int packetId, Delivery delivery, boolean dup) {
        if (packetId != 0) {
            armRetry();
        }
        HookGateway hooks = broker.hooks();
        if (hookSession != null && hooks.wantsOnDeliver(hookSession)) {
            Message m = delivery.message();
            PublishInput in = HookInputs.publish(hookSession.client(), listener, m, delivery.qos(), delivery.retain());
            // The session calls this under its monitor: the chain runs in a later task on this
            // event loop, after the monitor is released, so an inline handler that publishes
            // neither runs under a session lock nor re-enters this session's send loop.
            // InboundOrder still writes the PUBLISHes in the order they were handed over.
            CompletableFuture<DeliverRewrite> decision = new CompletableFuture<>();
            ctx.executor()
                    .execute(() -> hooks.onDeliver(hookSession, in, ctx.executor())
                            .whenComplete((r, t) -> {
                                if (t != null) {
                                    decision.completeExceptionally(t);
                                } else {
                                    decision.complete(r);
                                }
                            }));
            if (deliveries == null) {
                deliveries = new InboundOrder(ctx.channel(), Integer.MAX_VALUE, this::flushSoon);
            }
            deliveries.then(decision, (rewrite, error) -> {
                Delivery out = rewrite instanceof DeliverRewrite.Rewritten r
                        ? new Delivery(
                                HookInputs.rewritten(broker.messages(), m, r.apply(in), listener),
                                delivery.qos(),
                                delivery.retain(),
                                delivery.subscriptionIds())
                        : delivery;
                write(packetId, out, dup);
                flushSoon();
                resumeAfterDeliverCalls();
            });
            return;
        }
        if (deliveries != null
                && deliveries.pendingCount() > 0) { // on_deliver lost its handlers: do not overtake its calls
            deliveries.then(() -> write(packetId, delivery, dup));
            return;
        }
        write(packetId, delivery, dup);
    }

    private void write(int packetId, Delivery delivery, boolean dup) {
        long expiry = remainingExpiry(delivery.message());
        String topic = listener.unmount(delivery.message().topic());
        int alias = 0;
        if (outboundAliases != null
                && (terms.clientMaximumPacketSize() == Integer.MAX_VALUE // setting one adds 3 bytes
                        || PublishEncoder.packetSize(delivery, topic, true, expiry) + 3
                                <= terms.clientMaximumPacketSize())) {
            alias = outboundAliases.aliasFor(topic, ByteBufUtil.utf8Bytes(topic));
        }
        // alias > 0: the client knows it, the topic is left out; < 0: set now, sent with the topic
        ctx.write(
                new OutgoingPublish(
                        delivery, alias > 0 ? "" : topic, packetId, dup, version == 5, expiry, Math.abs(alias)),
                ctx.voidPromise());
        broker.metrics().messageOut(delivery.qos(), delivery.message().payload().length);
    }

    // the Message Expiry Interval to forward (v5 only), -1 for none; the clock is read only for a message that expires
    private long remainingExpiry(Message m) {
        return version == 5 && m.expiresAtMillis() != 0
                ? m.remainingExpirySeconds(broker.messages().now())
                : -1;
    }

    @Override
    public void writePubrel(int packetId) {
        ctx.write(Packets.pubReply(MqttMessageType.PUBREL, packetId, ReasonCodes.SUCCESS), ctx.voidPromise());
        armRetry();
    }

    /**
     * Starts the retry_interval timer when a QoS 1/2 packet goes out and none runs: an idle
     * 3.x connection then holds no periodic task (and the event loop's timer heap stays small);
     * the timer stops itself at a tick that finds nothing in flight.
     */
    private void armRetry() {
        long retryMillis = terms.retryMillis();
        if (retryMillis <= 0) {
            return;
        }
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(this::armRetry);
            return;
        }
        if (retryTask != null || state == State.CLOSED) {
            return;
        }
        retryTask =
                ctx.executor().scheduleAtFixedRate(this::retryTick, retryMillis, retryMillis, TimeUnit.MILLISECONDS);
    }

    private void retryTick() {
        if (session.inflightSize() == 0) {
            retryTask.cancel(false);
            retryTask = null;
            return;
        }
        session.retryOlderThan(this, terms.retryMillis());
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
        ConnectionTerms t = terms;
        return t.maxInflight() > 0
                ? Math.min(t.maxInflight(), t.clientReceiveMaximum())
                : settings().inflightWindow(t.clientReceiveMaximum());
    }

    /**
     * Writable while the socket's buffer is below its high-water mark and not too many PUBLISHes wait
     * for their on_deliver calls: those wait outside the session's queue, so without this bound a slow
     * on_deliver would let the queue (what back-pressure and the byte bounds count) drain into memory
     * nobody counts.
     */
    @Override
    public boolean writable() {
        if (connackPending) {
            return false; // nothing goes out before the CONNACK; resume() sends what queued meanwhile
        }
        if (deliveries != null && deliveries.pendingCount() >= MAX_PENDING_DELIVERIES) {
            waitingForDeliverCalls = true;
            return false;
        }
        return ctx.channel().isWritable();
    }

    // an on_deliver call finished: once half of the bound is free, the session sends what waited
    private void resumeAfterDeliverCalls() {
        if (waitingForDeliverCalls && deliveries.pendingCount() <= MAX_PENDING_DELIVERIES / 2 && session != null) {
            waitingForDeliverCalls = false;
            ctx.executor().execute(() -> session.drain(this)); // not inside InboundOrder's own drain
        }
    }

    @Override
    public boolean fits(Delivery delivery) {
        int max = terms.clientMaximumPacketSize();
        if (max == Integer.MAX_VALUE) {
            return true;
        }
        long expiry = remainingExpiry(delivery.message());
        return PublishEncoder.packetSize(
                        delivery, listener.unmount(delivery.message().topic()), version == 5, expiry)
                <= max;
    }

    @Override
    public void takeOver() {
        ctx.executor()
                .execute(() -> disconnect(ReasonCodes.SESSION_TAKEN_OVER, "session taken over by a new connection"));
    }

    @Override
    public void disconnectStalled() {
        ctx.executor()
                .execute(() -> disconnect(
                        ReasonCodes.QUOTA_EXCEEDED, "took nothing from its socket for stalled_subscriber_timeout"));
    }

    @Override
    public boolean inEventLoop() {
        return ctx.executor().inEventLoop();
    }

    @Override
    public FlowControl.Throttle throttle() {
        return hold.throttle();
    }
}
