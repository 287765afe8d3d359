package io.hookline.broker.cluster;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.SubscriberId;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct node-to-node channel messages travel on (docs/cluster.md): one TCP connection from
 * each node to each other node it sends to, so what one publisher sends to one node arrives in
 * the order it was sent (per-publisher order). Hazelcast carries the metadata; this carries the
 * data. A frame that cannot reach a node (its link down) is dropped and counted, never retried:
 * forwarding between nodes is at most once.
 *
 * <p>Threading: {@link #send} from any thread; a link's frames queue in one lock while it
 * connects; received frames are handled on this plane's own event loops.
 */
final class DataPlane implements AutoCloseable {

    /** What a node does with what it receives. Called on the data plane's event loops. */
    interface Receiver {
        /** Whether {@code node} is a member of the cluster now: links from anyone else are closed. */
        boolean isMember(UUID node);

        void publish(UUID from, Message message);

        void takeover(UUID from, SubscriberId client);

        /**
         * A frame of a type a part of the node handles itself ({@link Frames#SHARED},
         * {@link Frames#DIRECT}, {@link Frames#PUBLISH_COUNTED}, {@link Frames#COUNTED}); a
         * receiver that handles none (a test's) leaves them.
         */
        default void frame(UUID from, byte type, ByteBuf body) {}
    }

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    /** Frames held for one node while its link connects; more are dropped. */
    static final int MAX_PENDING = 100_000;

    private final EventLoopGroup group;
    private final Receiver receiver;
    private final Map<UUID, Link> links = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile UUID self;
    private Channel server;

    DataPlane(Receiver receiver) {
        this.receiver = receiver;
        this.group = new NioEventLoopGroup(2, new DefaultThreadFactory("hookline-cluster-io", true));
    }

    /** Binds the data port; returns the address bound. */
    InetSocketAddress bind(String host, int port) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true) // a restart binds again past TIME_WAIT
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME, 0, 4, 0, 4))
                                .addLast(new Inbound());
                    }
                });
        server = b.bind(host, port).syncUninterruptibly().channel();
        return (InetSocketAddress) server.localAddress();
    }

    void setSelf(UUID id) {
        this.self = id;
    }

    /** Sends a message to {@code node} for its local subscribers. */
    void publish(UUID node, InetSocketAddress address, Message m) {
        published.incrementAndGet();
        link(node, address).send(Frames.publish(ByteBufAllocator.DEFAULT, m));
    }

    /** Tells {@code node} that {@code client} connected elsewhere. */
    void takeover(UUID node, InetSocketAddress address, SubscriberId client) {
        link(node, address).send(Frames.takeover(ByteBufAllocator.DEFAULT, client));
    }

    /** Sends a frame built by {@link Frames} to {@code node} (dropped and counted when its link is down). */
    void send(UUID node, InetSocketAddress address, ByteBuf frame) {
        link(node, address).send(frame);
    }

    /** The node left: closes its link and drops what waited for it. */
    void forget(UUID node) {
        Link l = links.remove(node);
        if (l != null) {
            l.close();
        }
    }

    long dropped() {
        return dropped.get();
    }

    long sent() {
        return sent.get();
    }

    /** Messages handed to {@link #publish} (once per node), sent or dropped. */
    long published() {
        return published.get();
    }

    /** PUBLISH frames received from other nodes. */
    long received() {
        return received.get();
    }

    private Link link(UUID node, InetSocketAddress address) {
        Link l = links.get(node);
        return l != null ? l : links.computeIfAbsent(node, n -> new Link(n, address));
    }

    @Override
    public void close() {
        links.values().forEach(Link::close);
        links.clear();
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The connection to one node. Frames wait in {@code pending} (under the link's lock) while it connects. */
    private final class Link {
        private final UUID node;
        private final InetSocketAddress address;
        private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        private volatile Channel channel; // set once connected and pending flushed
        private boolean connecting; // guarded by this
        private boolean closed; // guarded by this

        Link(UUID node, InetSocketAddress address) {
            this.node = node;
            this.address = address;
        }

        void send(ByteBuf frame) {
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                write(ch, frame);
                return;
            }
            synchronized (this) {
                ch = channel;
                if (ch != null && ch.isActive()) {
                    write(ch, frame);
                    return;
                }
                if (closed || pending.size() >= MAX_PENDING) {
                    frame.release();
                    dropped.incrementAndGet();
                    return;
                }
                pending.add(frame);
                if (!connecting) {
                    connecting = true;
                    channel = null;
                    connect();
                }
            }
        }

        private void write(Channel ch, ByteBuf frame) {
            sent.incrementAndGet();
            ch.writeAndFlush(frame, ch.voidPromise());
        }

        // under this' lock
        private void connect() {
            ChannelFuture f = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME, 0, 4, 0, 4))
                                    .addLast(new Inbound());
                        }
                    })
                    .connect(address);
            f.addListener(done -> connected(f.channel(), done.isSuccess(), done.cause()));
        }

        private void connected(Channel ch, boolean ok, Throwable cause) {
            synchronized (this) {
                connecting = false;
                if (!ok || closed) {
                    int n = pending.size();
                    pending.forEach(ByteBuf::release);
                    pending.clear();
                    dropped.addAndGet(n);
                    if (!closed) {
                        log.warn(
                                "cluster: no data link to node {} at {} ({} messages dropped): {}",
                                node,
                                address,
                                n,
                                cause == null ? "closed" : cause.toString());
                    }
                    if (ok) {
                        ch.close();
                    }
                    return;
                }
                ch.writeAndFlush(Frames.hello(ch.alloc(), self), ch.voidPromise());
                ByteBuf frame;
                while ((frame = pending.poll()) != null) {
                    write(ch, frame);
                }
                channel = ch;
            }
            ch.closeFuture().addListener(x -> {
                synchronized (this) {
                    if (channel == ch) {
                        channel = null; // the next send connects again
                    }
                }
            });
        }

        void close() {
            Channel ch;
            synchronized (this) {
                closed = true;
                pending.forEach(ByteBuf::release);
                pending.clear();
                ch = channel;
                channel = null;
            }
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** Frames from one peer, in order. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        private UUID from;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            byte type = frame.readByte();
            if (type != Frames.HELLO && from == null) {
                log.warn(
                        "cluster: data link from {} sent a frame before saying which node it is; closing it",
                        ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            switch (type) {
                case Frames.HELLO -> {
                    UUID node = Frames.readUuid(frame);
                    if (!receiver.isMember(node)) {
                        log.warn(
                                "cluster: data link from {} claims to be {}, not a member of this cluster; closing it",
                                ctx.channel().remoteAddress(),
                                node);
                        ctx.close();
                        return;
                    }
                    from = node;
                }
                case Frames.PUBLISH -> {
                    received.incrementAndGet();
                    receiver.publish(from, Frames.readMessage(frame, 0));
                }
                case Frames.TAKEOVER -> receiver.takeover(from, Frames.readSubscriber(frame));
                case Frames.SHARED, Frames.DIRECT, Frames.PUBLISH_COUNTED, Frames.COUNTED ->
                    receiver.frame(from, type, frame);
                default -> {
                    log.warn(
                            "cluster: unknown frame type {} from {}; closing the link",
                            type,
                            ctx.channel().remoteAddress());
                    ctx.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn(
                    "cluster: data link from {} failed; closing it",
                    ctx.channel().remoteAddress(),
                    cause);
            ctx.close();
        }
    }
}
