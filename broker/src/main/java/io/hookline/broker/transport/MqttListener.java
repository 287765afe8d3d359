package io.hookline.broker.transport;

import io.hookline.broker.config.HostPort;
import io.hookline.broker.config.ListenerConfig.Kind;
import io.hookline.broker.config.OpenFiles;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.ListenerInfo;
import io.hookline.broker.protocol.MqttConnection;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named MQTT listener of one {@link Kind}: binds, builds each connection's pipeline, closes.
 * The pipeline, stage by stage (named as in {@link ChannelPipeline}):
 * {@code bytes → [proxy-check → proxy → proxy-header] → [ssl → tls-events] → [http → http-aggregator → ws-upgrade → ws → ws-frames]
 * → framer → mqtt}. On a plain TCP listener (no PROXY header, TLS or
 * WebSocket) there is no {@code bytes} stage: the framer is first and counts the bytes itself.
 * Stages that matter only before the CONNECT (proxy-header, tls-events, ws-upgrade) remove
 * themselves once done, and the keep-alive is no stage at all ({@code KeepAlive}): an idle
 * connection's pipeline is two stages. The framer also decodes and encodes, with Netty's
 * MqttDecoder and our PublishEncoder shared by the connections of an event loop
 * ({@link SharedDecoder}, {@link SharedEncoder}).
 *
 * <p>Start, close and {@link #reloadCertificatesIfChanged()} from one thread at a time (the
 * broker's); the pipeline initializer runs on event loops and reads the current TLS context
 * through a volatile field, so a reload applies to new connections and leaves open ones alone.
 */
public final class MqttListener {

    private static final Logger log = LoggerFactory.getLogger(MqttListener.class);

    /** Subprotocols accepted in the WebSocket upgrade: MQTT 3.1.1/5 use "mqtt", MQTT 3.1 clients "mqttv3.1". */
    static final String SUBPROTOCOLS = "mqtt,mqttv3.1";

    private final ListenerSettings settings;
    private final BrokerContext broker;
    private final ChannelGroup channels;
    private final AtomicInteger open = new AtomicInteger();
    private volatile SslContext sslContext;
    private int lastPort; // the port bound last (start/close from one thread)
    private List<Object> tlsStamp; // what the TLS files looked like when last loaded
    private Channel serverChannel;

    public MqttListener(ListenerSettings settings, BrokerContext broker, ChannelGroup channels) {
        this.settings = settings;
        this.broker = broker;
        this.channels = channels;
    }

    public String name() {
        return settings.name();
    }

    /** {@code tcp}, {@code ssl}, {@code ws} or {@code wss}. */
    public String kind() {
        return settings.kind().word();
    }

    public ListenerSettings settings() {
        return settings;
    }

    public HostPort configured() {
        return settings.address();
    }

    /** Connections open on this listener now. */
    public int openConnections() {
        return open.get();
    }

    /** The address actually bound (the real port when configured with port 0). */
    public InetSocketAddress boundAddress() {
        return serverChannel == null ? null : (InetSocketAddress) serverChannel.localAddress();
    }

    public boolean isOpen() {
        return serverChannel != null && serverChannel.isActive();
    }

    /**
     * Loads the TLS files (if any) and binds; throws ListenerException naming the listener and
     * the file or address when that fails.
     */
    public void start(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType)
            throws ListenerException {
        if (settings.tls() != null
                && settings.info().useIdentityAsUsername()
                && settings.tls().cafile() == null) {
            throw new ListenerException(
                    settings.key() + ": use_identity_as_username needs a cafile to check"
                            + " client certificates against",
                    null);
        }
        if (settings.tls() != null) {
            tlsStamp = ServerTls.stamp(settings.tls());
            sslContext = ServerTls.build(settings.key(), settings.tls());
        }
        if (settings.path() != null && !settings.path().startsWith("/")) {
            throw new ListenerException(settings.key() + ": path '" + settings.path() + "' must start with /", null);
        }
        TrustedProxies proxies;
        try {
            proxies = TrustedProxies.parse(settings.trustedProxies());
        } catch (IllegalArgumentException e) {
            throw new ListenerException(settings.key() + ": trusted_proxies: " + e.getMessage(), e);
        }
        ByteCounter counter = new ByteCounter(broker.metrics(), open); // counts open down at close
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                // Netty's adaptive sizing with a 40 B handle per channel instead of 96, shared: each
                // channel keeps its own handle, not its own allocator
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, CompactReceiveAllocator.INSTANCE)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!admit(ch)) {
                            return;
                        }
                        channels.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        boolean plain = !settings.proxyProtocol()
                                && sslContext == null
                                && !settings.kind().websocket();
                        if (plain) { // the framer counts: one stage less per connection
                            addMqttStages(p, broker, settings.info(), counter);
                            return;
                        }
                        p.addLast("bytes", counter);
                        if (settings.proxyProtocol()) {
                            ProxyHeader.addTo(p, settings.key(), broker.metrics());
                        }
                        SslContext tls = sslContext;
                        if (tls != null) {
                            p.addLast("ssl", tls.newHandler(ch.alloc()));
                            p.addLast("tls-events", new TlsEvents(settings.key(), broker.metrics()));
                        }
                        var protocol = broker.settings();
                        if (settings.kind().websocket()) {
                            p.addLast("http", new HttpServerCodec(4096, 16 * 1024, 8192)); // browsers send cookies
                            p.addLast("http-aggregator", new HttpObjectAggregator(8192));
                            p.addLast(
                                    "ws-upgrade",
                                    new WebSocketUpgrade(settings.key(), settings.path(), broker.metrics(), proxies));
                            p.addLast(
                                    "ws",
                                    new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                            .websocketPath(settings.path())
                                            .subprotocols(SUBPROTOCOLS)
                                            .maxFramePayloadLength(protocol.maxMessageSize())
                                            .build()));
                            p.addLast("ws-frames", WebSocketFrames.INSTANCE);
                        }
                        addMqttStages(p, broker, settings.info(), null);
                    }
                });
        try {
            // port 0 picks a free port once; a restart (listener start) reuses it so clients find it again
            int port = settings.address().port() == 0 && lastPort > 0
                    ? lastPort
                    : settings.address().port();
            serverChannel =
                    bootstrap.bind(settings.address().host(), port).sync().channel();
            lastPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        } catch (Exception e) {
            throw new ListenerException(
                    settings.key() + ": could not bind " + settings.address() + ": "
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    e);
        }
    }

    /**
     * The MQTT stages of a connection's pipeline, after the transport's (proxy, TLS, WebSocket):
     * {@code framer → mqtt}. Also what the wire fuzz test runs.
     *
     * @param counter the listener's byte counter when the framer is the first stage (plain TCP),
     *                else null (a {@code bytes} stage in front counts)
     */
    static void addMqttStages(ChannelPipeline p, BrokerContext broker, ListenerInfo info, ByteCounter counter) {
        var protocol = broker.settings();
        // frames, decodes and encodes, with a decoder and an encoder per event loop, not per
        // connection (SharedDecoder, SharedEncoder)
        p.addLast("framer", new PacketFramer(protocol.maxMessageSize(), protocol.maxConnectSize(), counter));
        p.addLast("mqtt", new MqttConnection(broker, info));
    }

    /** As above, with a {@code bytes} stage (or none) in front: the framer does not count. */
    static void addMqttStages(ChannelPipeline p, BrokerContext broker, ListenerInfo info) {
        addMqttStages(p, broker, info, null);
    }

    /** Counts the connection against max_connections; closes it when the listener is full. */
    private boolean admit(SocketChannel ch) {
        int limit = settings.maxConnections();
        int now = open.incrementAndGet();
        if (limit > 0 && now > limit) {
            open.decrementAndGet();
            broker.metrics()
                    .limitHit(
                            Counter.LIMIT_MAX_CONNECTIONS,
                            settings.key(),
                            limit + " open connections (max_connections), closing " + ch.remoteAddress());
            ch.close();
            return false;
        }
        // listener.max_connections is answered with a CONNACK at CONNECT; sockets that never send one
        // must not use up the descriptors kept for /health and existing clients: close at accept
        int global = broker.settings().maxConnections();
        if (global > 0 && broker.metrics().connections().get() >= (long) global + OpenFiles.REFUSAL_SLACK) {
            open.decrementAndGet();
            broker.metrics()
                    .limitHit(
                            Counter.LIMIT_MAX_CONNECTIONS,
                            "listener.max_connections",
                            global
                                    + " open connections (and " + OpenFiles.REFUSAL_SLACK + " being refused), closing "
                                    + ch.remoteAddress() + " at accept");
            ch.close();
            return false;
        }
        return true; // the "bytes" stage (or the framer, on plain TCP) counts it down when it closes
    }

    /**
     * For TLS listeners: when the certificate, key or CA file changed since they were loaded,
     * loads them again; new connections get the new context, open ones keep theirs. A file
     * that does not load leaves the old context in use (logged at warn, once per change).
     *
     * @return whether a new context was installed
     */
    public boolean reloadCertificatesIfChanged() {
        if (settings.tls() == null || sslContext == null) {
            return false;
        }
        List<Object> now = ServerTls.stamp(settings.tls());
        if (now.equals(tlsStamp)) {
            return false;
        }
        tlsStamp = now;
        try {
            sslContext = ServerTls.build(settings.key(), settings.tls());
            log.info(
                    "{}: certificates reloaded from {}",
                    settings.key(),
                    settings.tls().certfile());
            return true;
        } catch (ListenerException e) {
            log.warn("{} (still using the certificates loaded before)", e.getMessage());
            return false;
        }
    }

    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /** Whether a client connection came in through this listener (also after it was closed). */
    public boolean accepted(io.netty.channel.Channel client) {
        return serverChannel != null && client.parent() == serverChannel;
    }

    /** A listener that could not start. */
    public static final class ListenerException extends Exception {
        public ListenerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
