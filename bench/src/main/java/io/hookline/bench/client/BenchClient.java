package io.hookline.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;

/**
 * A minimal MQTT 3.1.1 client for load generation: CONNECT, SUBSCRIBE, PUBLISH at QoS 0/1/2 with
 * the acknowledgement flows in both directions, DISCONNECT. No keep-alive (0), no retransmission,
 * no reconnect: a benchmark run is shorter than any of that would matter and a broken connection
 * is a failed run.
 *
 * <p>Threading: all protocol state is confined to the channel's event loop. {@link #publish} and
 * {@link #canPublish} must be called there; {@link #subscribe} and {@link #disconnect} hop to it.
 */
public final class BenchClient extends ChannelInboundHandlerAdapter {
    /** Largest PUBLISH the decoder accepts; benchmark payloads are far smaller. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;

    private final String clientId;
    private final InboundListener listener;
    private final int maxInflight;
    private final boolean cleanSession;
    private final int keepAliveSeconds;
    private final CompletableFuture<BenchClient> connected = new CompletableFuture<>();
    private volatile boolean sessionPresent; // set from the CONNACK, on the event loop
    private final PacketIds ids = new PacketIds();
    private CompletableFuture<Void> pendingSubscribe;
    private Runnable creditListener = () -> {};
    private Channel channel;
    private int inflight;
    private long published;
    private long completed;
    private long received;

    private BenchClient(
            String clientId, InboundListener listener, int maxInflight, boolean cleanSession, int keepAliveSeconds) {
        this.clientId = clientId;
        this.listener = listener;
        this.maxInflight = maxInflight;
        this.cleanSession = cleanSession;
        this.keepAliveSeconds = keepAliveSeconds;
    }

    /**
     * Opens a TCP connection and sends CONNECT with a clean session. The future completes when CONNACK
     * accepts the client and fails on refusal or a closed connection.
     *
     * @param maxInflight how many outgoing QoS 1/2 publishes may await acknowledgement at once
     */
    public static CompletableFuture<BenchClient> connect(
            Transport transport, InetSocketAddress broker, String clientId, InboundListener listener, int maxInflight) {
        return connect(transport, broker, clientId, listener, maxInflight, true);
    }

    /**
     * As {@link #connect(Transport, InetSocketAddress, String, InboundListener, int)}; with
     * {@code cleanSession} false the broker keeps a persistent session (its durable path when it
     * has a store).
     */
    public static CompletableFuture<BenchClient> connect(
            Transport transport,
            InetSocketAddress broker,
            String clientId,
            InboundListener listener,
            int maxInflight,
            boolean cleanSession) {
        return connect(transport, broker, null, clientId, listener, maxInflight, cleanSession);
    }

    /**
     * As above, from {@code local} (an address to bind, port 0; null: the kernel chooses), so that
     * more connections than one source address has ephemeral ports can reach one broker port
     * ({@link #loopbackSource}).
     */
    public static CompletableFuture<BenchClient> connect(
            Transport transport,
            InetSocketAddress broker,
            InetSocketAddress local,
            String clientId,
            InboundListener listener,
            int maxInflight,
            boolean cleanSession) {
        return connect(transport, broker, local, clientId, listener, maxInflight, cleanSession, 0);
    }

    /**
     * As above, with a keep alive of {@code keepAliveSeconds} in the CONNECT (0: none, what the
     * other overloads send). This client sends no PINGREQ: hold it idle for less than 1.5 times
     * that, or the broker closes it.
     */
    public static CompletableFuture<BenchClient> connect(
            Transport transport,
            InetSocketAddress broker,
            InetSocketAddress local,
            String clientId,
            InboundListener listener,
            int maxInflight,
            boolean cleanSession,
            int keepAliveSeconds) {
        BenchClient client = new BenchClient(
                clientId, listener, Math.max(1, Math.min(maxInflight, 65000)), cleanSession, keepAliveSeconds);
        Bootstrap b = new Bootstrap()
                .group(transport.group())
                .channel(transport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("decoder", new MqttDecoder(MAX_MESSAGE_BYTES))
                                .addLast("encoder", MqttEncoder.INSTANCE)
                                .addLast("client", client);
                    }
                });
        ChannelFuture cf = local == null ? b.connect(broker) : b.connect(broker, local);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                client.connected.completeExceptionally(f.cause());
            }
        });
        return client.connected;
    }

    /** Connections per loopback source address: well inside Linux's default ephemeral range (28,232 ports). */
    static final int CONNECTIONS_PER_SOURCE = 20_000;

    /**
     * The source address of connection {@code i} of {@code n} to a loopback broker: null (the
     * kernel's choice) while {@code n} fits one address's ephemeral ports, else 127.0.0.1,
     * 127.0.0.2, ... in turn (all of 127/8 is loopback on Linux), so 100,000 connections need no
     * sysctl.
     */
    public static InetSocketAddress loopbackSource(InetSocketAddress broker, int i, int n) {
        if (n <= CONNECTIONS_PER_SOURCE || !broker.getAddress().isLoopbackAddress()) {
            return null;
        }
        int sources = (n + CONNECTIONS_PER_SOURCE - 1) / CONNECTIONS_PER_SOURCE;
        byte[] ip = {127, 0, 0, (byte) (1 + i % sources)};
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    public String clientId() {
        return clientId;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Subscribes to one filter; completes on a SUBACK that grants it. One subscribe at a time. */
    public CompletableFuture<Void> subscribe(String filter, int qos) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            if (pendingSubscribe != null) {
                done.completeExceptionally(new IllegalStateException("a SUBSCRIBE is already pending"));
                return;
            }
            int id = ids.allocate(PacketIds.AWAIT_SUBACK);
            pendingSubscribe = done;
            channel.writeAndFlush(MqttMessageBuilders.subscribe()
                    .messageId(id)
                    .addSubscription(MqttQoS.valueOf(qos), filter)
                    .build());
        });
        return done;
    }

    /** Whether a publish would go out now: the socket is writable and the QoS 1/2 window has room. */
    public boolean canPublish(int qos) {
        return channel.isWritable() && (qos == 0 || inflight < maxInflight);
    }

    /**
     * Writes (does not flush) one PUBLISH; takes ownership of {@code payload}. Call only on the
     * event loop and only when {@link #canPublish} said yes.
     */
    public void publish(String topic, int qos, ByteBuf payload) {
        int id = 0;
        if (qos > 0) {
            id = ids.allocate(qos == 1 ? PacketIds.AWAIT_PUBACK : PacketIds.AWAIT_PUBREC);
            inflight++;
        }
        // Built directly: MqttMessageBuilders.publish() copies the payload into a new buffer.
        MqttPublishMessage msg = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.valueOf(qos), false, 0),
                new MqttPublishVariableHeader(topic, id),
                payload);
        channel.write(msg, channel.voidPromise());
        published++;
    }

    public void flush() {
        channel.flush();
    }

    public io.netty.buffer.ByteBufAllocator alloc() {
        return channel.alloc();
    }

    /** Called on the event loop whenever an ack frees window space or the socket becomes writable. */
    public void onCredit(Runnable listener) {
        this.creditListener = listener;
    }

    /** PUBLISHes written. Event loop only. */
    public long published() {
        return published;
    }

    /** QoS 1/2 publishes whose flow completed (PUBACK, or PUBCOMP). Event loop only. */
    public long completed() {
        return completed;
    }

    /** QoS 1/2 publishes still awaiting acknowledgement. Event loop only. */
    public int inflight() {
        return inflight;
    }

    /** PUBLISHes received. Event loop only. */
    public long received() {
        return received;
    }

    public boolean isActive() {
        return channel != null && channel.isActive();
    }

    /** Sends DISCONNECT and closes; completes when the channel is closed. */
    public CompletableFuture<Void> disconnect() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (channel == null) {
            done.complete(null);
            return done;
        }
        channel.closeFuture().addListener(f -> done.complete(null));
        if (channel.isActive()) {
            channel.writeAndFlush(MqttMessageBuilders.disconnect().build()).addListener(f -> channel.close());
        } else {
            channel.close();
        }
        return done;
    }

    // ---- ChannelInboundHandler ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.writeAndFlush(MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(clientId)
                .cleanSession(cleanSession)
                .keepAlive(keepAliveSeconds)
                .build());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            MqttMessage m = (MqttMessage) msg;
            if (m.decoderResult().isFailure()) {
                fail(ctx, m.decoderResult().cause());
                return;
            }
            switch (m.fixedHeader().messageType()) {
                case CONNACK -> onConnAck(ctx, (MqttConnAckMessage) m);
                case PUBLISH -> onPublish(ctx, (MqttPublishMessage) m);
                case PUBACK -> onAck(ctx, packetId(m), PacketIds.AWAIT_PUBACK);
                case PUBREC -> onPubRec(ctx, packetId(m));
                case PUBREL -> ctx.write(reply(MqttMessageType.PUBCOMP, packetId(m)), ctx.voidPromise());
                case PUBCOMP -> onAck(ctx, packetId(m), PacketIds.AWAIT_PUBCOMP);
                case SUBACK -> onSubAck((MqttSubAckMessage) m);
                default -> {
                    /* PINGRESP, UNSUBACK: not used */
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Acks written while reading a batch go out in one flush.
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            creditListener.run();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connected.completeExceptionally(new IllegalStateException(clientId + ": connection closed before CONNACK"));
        if (pendingSubscribe != null) {
            pendingSubscribe.completeExceptionally(new IllegalStateException(clientId + ": connection closed"));
            pendingSubscribe = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        connected.completeExceptionally(cause);
        if (pendingSubscribe != null) {
            pendingSubscribe.completeExceptionally(cause);
            pendingSubscribe = null;
        }
        ctx.close();
    }

    /** Whether the CONNACK said the broker had a session for this client id (clean session 0). */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    private void onConnAck(ChannelHandlerContext ctx, MqttConnAckMessage m) {
        MqttConnectReturnCode rc = m.variableHeader().connectReturnCode();
        if (rc == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            sessionPresent = m.variableHeader().isSessionPresent();
            connected.complete(this);
        } else {
            connected.completeExceptionally(new IllegalStateException(clientId + ": CONNACK " + rc));
            ctx.close();
        }
    }

    private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage m) {
        int qos = m.fixedHeader().qosLevel().value();
        received++;
        // QoS 2: delivered on PUBLISH (method A); the broker only re-sends after a reconnect.
        listener.onMessage(m.payload(), qos, System.nanoTime());
        if (qos == 1) {
            ctx.write(reply(MqttMessageType.PUBACK, m.variableHeader().packetId()), ctx.voidPromise());
        } else if (qos == 2) {
            ctx.write(reply(MqttMessageType.PUBREC, m.variableHeader().packetId()), ctx.voidPromise());
        }
    }

    private void onPubRec(ChannelHandlerContext ctx, int id) {
        if (ids.state(id) == PacketIds.AWAIT_PUBREC) {
            ids.advance(id, PacketIds.AWAIT_PUBCOMP);
        }
        ctx.write(reply(MqttMessageType.PUBREL, id), ctx.voidPromise());
    }

    private void onAck(ChannelHandlerContext ctx, int id, byte expected) {
        if (ids.state(id) != expected) {
            return; // a stray or repeated ack; nothing was waiting for it
        }
        ids.release(id);
        inflight--;
        completed++;
        creditListener.run();
    }

    private void onSubAck(MqttSubAckMessage m) {
        ids.release(m.variableHeader().messageId());
        CompletableFuture<Void> done = pendingSubscribe;
        pendingSubscribe = null;
        if (done == null) {
            return;
        }
        int granted = m.payload().grantedQoSLevels().get(0);
        if (granted > 2) {
            done.completeExceptionally(new IllegalStateException(clientId + ": subscription refused (0x80)"));
        } else {
            done.complete(null);
        }
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private static MqttMessage reply(MqttMessageType type, int packetId) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(
                new MqttFixedHeader(type, false, qos, false, 2), MqttMessageIdVariableHeader.from(packetId));
    }
}
