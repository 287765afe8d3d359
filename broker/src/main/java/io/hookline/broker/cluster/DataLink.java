package io.hookline.broker.cluster;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.util.StoreBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's connection to one node ({@link DataPlane}: the links, the frames received). Frames wait in {@code pending} (under the link's lock) while it
 * connects; QoS 1/2 frames stay in {@link #unacked} until acknowledged. A recipient for
 * back-pressure ({@link Recipient}): congested while its unacknowledged (or unsent) bytes are
 * above the high-water mark, until they are down to half of it.
 */
final class DataLink implements Recipient {
    private static final Logger log = LoggerFactory.getLogger(DataLink.class);
    private final DataPlane plane;
    final UUID node;
    private final InetSocketAddress address;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    final Unacked unacked = new Unacked();
    private volatile Channel channel; // set once connected and pending flushed
    volatile boolean congested;
    private volatile Outbox outbox; // of the current channel
    private boolean connecting; // guarded by this
    private boolean closed; // guarded by this
    private long retryMillis = DataPlane.RETRY_MIN_MILLIS; // guarded by this

    DataLink(DataPlane plane, UUID node, InetSocketAddress address) {
        this.plane = plane;
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
            if (closed || pending.size() >= DataPlane.MAX_PENDING) {
                frame.release();
                plane.dropped.incrementAndGet();
                return;
            }
            pending.add(frame);
            connectIfIdle();
        }
    }

    /** Numbers and keeps a QoS 1/2 frame, sends it when connected; the stage completes on its ACK (null: closed). */
    CompletionStage<Void> sendAcked(Numbered frame) {
        Unacked.Entry e;
        synchronized (this) { // one order for the window and the channel: a resend never overtakes a send
            e = unacked.add(seq -> frame.encode(unacked.epoch(), seq));
            if (e == null) {
                return null; // closed: the node left
            }
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                write(ch, e.frame().retainedDuplicate());
            } else {
                connectIfIdle(); // sent with the rest of the window once connected
            }
        }
        checkCongested();
        return e.acked();
    }

    // under this' lock
    private void connectIfIdle() {
        if (!connecting && !closed) {
            connecting = true;
            channel = null;
            connect();
        }
    }

    private void write(Channel ch, ByteBuf frame) {
        plane.sent.incrementAndGet();
        Outbox o = outbox;
        if (o != null && o.channel() == ch) {
            o.write(frame); // one flush for the frames queued together
        } else {
            ch.writeAndFlush(frame, ch.voidPromise());
        }
    }

    // under this' lock
    private void connect() {
        ChannelFuture f = new Bootstrap()
                .group(plane.group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME, 0, 4, 0, 4))
                                .addLast(new Acks(DataLink.this));
                    }
                })
                .connect(address);
        f.addListener(done -> connected(f.channel(), done.isSuccess(), done.cause()));
    }

    private WriteBufferWaterMark waterMark() {
        if (plane.highWatermark <= 0) {
            return WriteBufferWaterMark.DEFAULT;
        }
        int high = (int) Math.min(Integer.MAX_VALUE, plane.highWatermark);
        return new WriteBufferWaterMark(high / 2, high);
    }

    private void connected(Channel ch, boolean ok, Throwable cause) {
        synchronized (this) {
            connecting = false;
            if (!ok || closed) {
                int n = pending.size();
                pending.forEach(ByteBuf::release);
                pending.clear();
                plane.dropped.addAndGet(n);
                if (!closed) {
                    log.warn(
                            "cluster: no data link to node {} at {} ({} messages dropped, {} to resend): {}",
                            node,
                            address,
                            n,
                            unacked.size(),
                            cause == null ? "closed" : cause.toString());
                    retryLater();
                }
                if (ok) {
                    ch.close();
                }
                return;
            }
            retryMillis = DataPlane.RETRY_MIN_MILLIS;
            ch.write(Frames.hello(ch.alloc(), plane.self()), ch.voidPromise());
            List<ByteBuf> again = unacked.resend();
            if (!again.isEmpty()) {
                plane.resent.addAndGet(again.size());
                log.info(
                        "cluster: data link to node {} connected; resending {} unacknowledged messages",
                        node,
                        again.size());
            }
            for (ByteBuf frame : again) {
                plane.sent.incrementAndGet();
                ch.write(frame, ch.voidPromise());
            }
            ByteBuf frame;
            while ((frame = pending.poll()) != null) {
                plane.sent.incrementAndGet();
                ch.write(frame, ch.voidPromise());
            }
            ch.flush();
            outbox = new Outbox(ch);
            channel = ch;
        }
        ch.closeFuture().addListener(x -> {
            synchronized (this) {
                if (channel == ch) {
                    channel = null; // the next send connects again
                    if (!unacked.isEmpty()) {
                        retryLater(); // messages wait for their ACK: connect again without waiting for a send
                    }
                }
            }
            checkDrained(); // its unwritable socket held the publishers: it is gone (QoS 0 frames with it)
        });
    }

    // under this' lock: connect again after a pause, doubling up to DataPlane.RETRY_MAX_MILLIS
    private void retryLater() {
        if (closed || connecting || unacked.isEmpty()) {
            return;
        }
        long wait = retryMillis;
        retryMillis = Math.min(DataPlane.RETRY_MAX_MILLIS, retryMillis * 2);
        plane.group.schedule(
                () -> {
                    synchronized (this) {
                        if (channel == null && !unacked.isEmpty()) {
                            connectIfIdle();
                        }
                    }
                },
                wait,
                TimeUnit.MILLISECONDS);
    }

    /** The node acknowledged every frame of {@code epoch} up to {@code upTo}; {@code failed} were not stored there. */
    void acked(long epoch, long upTo, long[] failed) {
        List<Unacked.Entry> done = unacked.ack(epoch, upTo);
        for (Unacked.Entry e : done) {
            e.frame().release();
            if (failed.length > 0 && contains(failed, e.seq())) {
                e.acked().completeExceptionally(new IllegalStateException("node " + node + " could not store it"));
            } else {
                e.acked().complete(null);
            }
        }
        checkDrained();
    }

    private void checkCongested() {
        if (plane.highWatermark > 0 && !congested && unacked.bytes() > plane.highWatermark) {
            congested = true;
            plane.receiver.linkCongested(node);
            checkDrained(); // the last ACK may have come in between: nothing else would look again
        }
    }

    /** Below the low-water mark (half the high) and the socket writable again: publishers may go on. */
    void checkDrained() {
        if (!congested) {
            checkCongestedSocket();
            return;
        }
        Channel ch = channel;
        if (unacked.bytes() <= plane.highWatermark / 2 && (ch == null || ch.isWritable())) {
            congested = false;
            plane.receiver.linkDrained(this);
        }
    }

    // QoS 0 frames are not kept: the socket's own buffer above the mark congests the link
    private void checkCongestedSocket() {
        Channel ch = channel;
        if (plane.highWatermark > 0 && ch != null && !ch.isWritable()) {
            congested = true;
            plane.receiver.linkCongested(node);
        }
    }

    /**
     * No more frames: closes the connection, drops what waited to connect, and ends every
     * unacknowledged message's stage (normally when {@code failure} is null). Returns how many.
     */
    int close(Throwable failure) {
        Channel ch;
        List<Unacked.Entry> left;
        synchronized (this) {
            closed = true;
            pending.forEach(ByteBuf::release);
            pending.clear();
            ch = channel;
            channel = null;
            left = unacked.close();
        }
        if (ch != null) {
            ch.close();
        }
        for (Unacked.Entry e : left) {
            e.frame().release();
            if (failure == null) {
                e.acked().complete(null);
            } else {
                e.acked().completeExceptionally(failure);
            }
        }
        if (congested) {
            congested = false;
            plane.receiver.linkDrained(this);
        }
        return left.size();
    }

    @Override
    public boolean isOnline() {
        return true;
    }

    @Override
    public boolean offer(Delivery delivery, StoreBatch batch) {
        throw new UnsupportedOperationException("a node is sent messages through DataPlane.publish");
    }

    @Override
    public boolean isCongested() {
        return congested;
    }

    @Override
    public long queuedBytes() {
        return unacked.bytes();
    }

    @Override
    public String toString() {
        return "node " + node;
    }

    /** Encodes a numbered frame once its link's epoch and sequence number are known. */
    interface Numbered {
        ByteBuf encode(long epoch, long seq);
    }

    private static boolean contains(long[] values, long v) {
        for (long x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** What comes back on a link this node opened: ACK frames. On the link's event loop. */
    private static final class Acks extends SimpleChannelInboundHandler<ByteBuf> {
        private final DataLink link;

        Acks(DataLink link) {
            this.link = link;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            byte type = frame.readByte();
            if (type != Frames.ACK) {
                log.warn("cluster: unexpected frame type {} from node {} on our link; closing it", type, link.node);
                ctx.close();
                return;
            }
            long epoch = frame.readLong();
            long upTo = frame.readLong();
            int n = frame.readInt();
            if (n < 0 || n > frame.readableBytes() / 8) {
                log.warn("cluster: bad ACK frame from node {}; closing the link", link.node);
                ctx.close();
                return;
            }
            long[] failed = new long[n];
            for (int i = 0; i < n; i++) {
                failed[i] = frame.readLong();
            }
            link.acked(epoch, upTo, failed);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            link.checkDrained();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("cluster: data link to node {} failed; closing it", link.node, cause);
            ctx.close();
        }
    }
}
