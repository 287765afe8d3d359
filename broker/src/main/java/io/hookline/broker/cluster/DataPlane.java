package io.hookline.broker.cluster;

import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct node-to-node channel messages travel on (docs/cluster.md): one TCP connection from
 * each node to each other node it sends to, so what one publisher sends to one node arrives in
 * the order it was sent (per-publisher order). Hazelcast carries the metadata; this carries the
 * data. A QoS 1/2 message is numbered per link and kept until the receiving node acknowledges it
 * stored ({@link Unacked}, {@link Inbox}): resent when the link connects again, given up (its
 * stage completed) only when the node leaves the cluster. A QoS 0 frame that cannot reach a node
 * (its link down) is dropped and counted. A link whose unacknowledged or unsent bytes pass
 * {@code cluster.outbound_high_watermark} is congested: the publishers routing to it pause
 * ({@link io.hookline.broker.routing.FlowControl}) until it is down to half of that.
 *
 * <p>This class holds the links ({@link DataLink}: connecting, resending, back-pressure) and reads
 * what other nodes send (the frame dispatch, the receivers' inboxes).
 *
 * <p>Threading: {@link #send} from any thread; a link's frames queue in one lock while it
 * connects; received frames are handled on this plane's own event loops.
 */
final class DataPlane implements AutoCloseable {

    /** What a node does with what it receives. Called on the data plane's event loops. */
    interface Receiver {
        /** Whether {@code node} is a member of the cluster now: links from anyone else are closed. */
        boolean isMember(UUID node);

        /**
         * Routes a message; returns the commit of what it stored (a QoS 1/2 frame is acknowledged
         * after it). {@code congested} (may be null) hears of local sessions above their high-water mark.
         */
        CompletionStage<Void> publish(UUID from, Message message, Consumer<List<Recipient>> congested);

        /** The link to {@code node} went above the outbound high-water mark. */
        default void linkCongested(UUID node) {}

        /** {@code link} is below its low-water mark again (or closed): whoever waited on it may go on. */
        default void linkDrained(Recipient link) {}

        void takeover(UUID from, SubscriberId client);

        /** A session migration frame (types 20-29), read before this returns (the buffer is released after). */
        default void migration(UUID from, byte type, ByteBuf frame) {}

        /**
         * A frame of a type a part of the node handles itself ({@link Frames#SHARED},
         * {@link Frames#DIRECT}, {@link Frames#PUBLISH_COUNTED}, {@link Frames#COUNTED}); a
         * receiver that handles none (a test's) leaves them. Returns when this node is done with
         * the message (stored for its receiver, passed on and acknowledged by the next node, or
         * dropped): a QoS 1/2 frame ({@link Frames#FORWARD_ACKED}) is acknowledged after it.
         */
        default CompletionStage<Void> frame(UUID from, byte type, ByteBuf body) {
            return StoreBatch.DONE;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    /** Frames held for one node while its link connects; more are dropped. */
    static final int MAX_PENDING = 100_000;
    /** Reconnecting a link with unacknowledged messages: first after this, doubling up to the max. */
    static final long RETRY_MIN_MILLIS = 100, RETRY_MAX_MILLIS = 2000;

    final EventLoopGroup group;
    final Receiver receiver;
    private final Map<UUID, DataLink> links = new ConcurrentHashMap<>();
    private final Map<UUID, Inbox> inboxes = new ConcurrentHashMap<>();
    private final Set<UUID> gone = ConcurrentHashMap.newKeySet(); // nodes that left: never linked again
    final long highWatermark; // 0: no back-pressure between nodes
    private final FlowControl flow; // null: links are read whatever the local sessions' queues
    final AtomicLong resent = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile UUID self;
    private Channel server;

    DataPlane(Receiver receiver) {
        this(receiver, 0, null);
    }

    DataPlane(Receiver receiver, long highWatermark, FlowControl flow) {
        this.receiver = receiver;
        this.highWatermark = highWatermark;
        this.flow = flow;
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

    /** This node's member id (the HELLO of every link it opens). */
    UUID self() {
        return self;
    }

    /**
     * Sends a message to {@code node} for its local subscribers. QoS 0: fire and forget (null).
     * QoS 1/2: returns the stage that completes once that node stored its part (or left the
     * cluster), failed when it could not store it.
     */
    CompletionStage<Void> publish(UUID node, InetSocketAddress address, Message m) {
        DataLink l = link(node, address);
        if (l == null) {
            return null; // it left: its routes are gone
        }
        published.incrementAndGet();
        if (m.qos() == 0) {
            l.send(Frames.publish(ByteBufAllocator.DEFAULT, m));
            return null;
        }
        return l.sendAcked((epoch, seq) -> Frames.publishAcked(ByteBufAllocator.DEFAULT, epoch, seq, m));
    }

    /**
     * Sends a frame that carries a message for {@code node} to handle itself ({@link
     * Frames#SHARED}, {@link Frames#DIRECT}, {@link Frames#PUBLISH_COUNTED}; {@code body} writes
     * what follows the type). QoS 0: one frame, at most once, and {@link StoreBatch#DONE}. QoS 1/2:
     * numbered and kept as {@link #publish} keeps its messages ({@link Frames#FORWARD_ACKED}); the
     * stage completes once that node is done with it ({@link Receiver#frame}) or left the cluster,
     * failed when it could not store it. Null when the node left.
     */
    CompletionStage<Void> forward(UUID node, InetSocketAddress address, byte type, int qos, Consumer<ByteBuf> body) {
        DataLink l = link(node, address);
        if (l == null) {
            return null;
        }
        published.incrementAndGet();
        if (qos == 0) {
            l.send(Frames.message(ByteBufAllocator.DEFAULT, type, body));
            return StoreBatch.DONE;
        }
        CompletionStage<Void> acked =
                l.sendAcked((epoch, seq) -> Frames.forwardAcked(ByteBufAllocator.DEFAULT, epoch, seq, type, body));
        return acked == null ? StoreBatch.DONE : acked; // closed between the two lines: as a node that left
    }

    /** The link to {@code node} when it is congested (its publishers should pause), else null. */
    Recipient congested(UUID node) {
        DataLink l = links.get(node);
        return l != null && l.congested ? l : null;
    }

    /** Tells {@code node} that {@code client} connected elsewhere. */
    void takeover(UUID node, InetSocketAddress address, SubscriberId client) {
        link(node, address).send(Frames.takeover(ByteBufAllocator.DEFAULT, client));
    }

    /** Sends a frame built by {@link Frames} to {@code node} (dropped and counted when its link is down or the node left). */
    void send(UUID node, InetSocketAddress address, ByteBuf frame) {
        DataLink l = link(node, address);
        if (l == null) {
            frame.release();
            dropped.incrementAndGet();
            return;
        }
        l.send(frame);
    }

    /**
     * The node left: closes its link and drops what waited for it. Its unacknowledged QoS 1/2
     * messages count as done (their publishers are acknowledged: the node's routes are gone).
     */
    void forget(UUID node) {
        gone.add(node); // before the removal: a publish racing with it cannot make a new link
        inboxes.remove(node);
        DataLink l = links.remove(node);
        if (l != null) {
            int n = l.close(null);
            if (n > 0) {
                log.warn(
                        "cluster: node {} left with {} messages it had not acknowledged; their publishers are"
                                + " acknowledged (its routes are gone)",
                        node,
                        n);
            }
        }
    }

    /** This node joins a cluster again (cluster join): the nodes it forgot when it left may be linked again. */
    void rejoin() {
        gone.clear();
    }

    /** QoS 1/2 frames written again on a new connection. */
    long resent() {
        return resent.get();
    }

    /** QoS 1/2 frames received a second time (after a resend) and not routed again. */
    long duplicates() {
        return duplicates.get();
    }

    /** Bytes of QoS 1/2 frames sent to other nodes and not yet acknowledged. */
    long unackedBytes() {
        long n = 0;
        for (DataLink l : links.values()) {
            n += l.unacked.bytes();
        }
        return n;
    }

    long dropped() {
        return dropped.get();
    }

    long sent() {
        return sent.get();
    }

    /** Messages handed to {@link #publish} or {@link #forward} (once per node), sent or dropped. */
    long published() {
        return published.get();
    }

    /** Frames with a message received from other nodes (PUBLISH, SHARED, DIRECT, PUBLISH_COUNTED, acknowledged or not). */
    long received() {
        return received.get();
    }

    // null when the node left
    private DataLink link(UUID node, InetSocketAddress address) {
        DataLink l = links.get(node);
        if (l != null) {
            return l;
        }
        l = links.computeIfAbsent(node, n -> new DataLink(this, n, address));
        if (gone.contains(node)) {
            links.remove(node, l);
            l.close(null);
            return null;
        }
        return l;
    }

    @Override
    public void close() {
        links.values().forEach(l -> l.close(new IllegalStateException("this node is stopping")));
        links.clear();
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Frames from one peer, in order. */
    private final class Inbound extends SimpleChannelInboundHandler<ByteBuf> {
        private UUID from;
        private LinkHold hold; // made on the first message when there is back-pressure

        private LinkHold hold(ChannelHandlerContext ctx) {
            if (hold == null && flow != null) {
                hold = new LinkHold(ctx.channel(), flow);
            }
            return hold;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (hold != null) {
                hold.close();
            }
            ctx.fireChannelInactive();
        }

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
                    receiver.publish(from, Frames.readMessage(frame, 0), hold(ctx));
                }
                case Frames.TAKEOVER -> receiver.takeover(from, Frames.readSubscriber(frame));
                case Frames.SHARED, Frames.DIRECT, Frames.PUBLISH_COUNTED -> {
                    received.incrementAndGet();
                    receiver.frame(from, type, frame);
                }
                case Frames.COUNTED -> receiver.frame(from, type, frame);
                case Frames.PUBLISH_ACKED -> publishAcked(ctx, frame);
                case Frames.FORWARD_ACKED -> forwardAcked(ctx, frame);
                case Frames.MIGRATE_ASK,
                        Frames.MIGRATE_STATE,
                        Frames.MIGRATE_PULL,
                        Frames.MIGRATE_PAGE,
                        Frames.MIGRATE_COMMIT,
                        Frames.MIGRATE_DONE,
                        Frames.MIGRATE_ABORT,
                        Frames.MIGRATE_PUSH -> receiver.migration(from, type, frame);
                default -> {
                    log.warn(
                            "cluster: unknown frame type {} from {}; closing the link",
                            type,
                            ctx.channel().remoteAddress());
                    ctx.close();
                }
            }
        }

        // route once per sequence number of the sender's epoch; acknowledge once stored
        private void publishAcked(ChannelHandlerContext ctx, ByteBuf frame) {
            long epoch = frame.readLong();
            long seq = frame.readLong();
            Inbox inbox = inboxToRoute(ctx, epoch, seq);
            if (inbox != null) {
                inbox.storing(epoch, seq, receiver.publish(from, Frames.readMessage(frame, 0), hold(ctx)));
            }
        }

        // as publishAcked, for the frames the receiver handles itself: acknowledged once it is done with it
        private void forwardAcked(ChannelHandlerContext ctx, ByteBuf frame) {
            long epoch = frame.readLong();
            long seq = frame.readLong();
            byte type = frame.readByte();
            if (type != Frames.SHARED && type != Frames.DIRECT && type != Frames.PUBLISH_COUNTED) {
                log.warn("cluster: acknowledged frame of type {} from node {}; closing the link", type, from);
                ctx.close();
                return;
            }
            Inbox inbox = inboxToRoute(ctx, epoch, seq);
            if (inbox != null) {
                inbox.storing(epoch, seq, receiver.frame(from, type, frame));
            }
        }

        // the sender's inbox when frame seq of epoch is to be routed; null for a duplicate or a sender that left
        private Inbox inboxToRoute(ChannelHandlerContext ctx, long epoch, long seq) {
            received.incrementAndGet();
            UUID sender = from;
            Inbox inbox = inboxes.get(sender);
            if (inbox == null) {
                if (gone.contains(sender)) {
                    return null;
                }
                inbox = inboxes.computeIfAbsent(sender, Inbox::new);
            }
            if (inbox.received(ctx.channel(), epoch, seq) == Inbox.Verdict.DUPLICATE) {
                duplicates.incrementAndGet();
                return null;
            }
            return inbox;
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
